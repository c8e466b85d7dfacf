#!/usr/bin/env node
'use strict';
/**
 * yuantrace-verify — checks a yuantrace audit bundle against a public key, with nothing else:
 * Node.js 20 or later, this one file, no database, no other code of the project, no packages.
 *
 *   node yuantrace-verify.js BUNDLE_DIR --key PUBLIC_KEY_FILE [--expect CHECKPOINT_FILE]
 *   node yuantrace-verify.js --proof PROOF_FILE --key PUBLIC_KEY_FILE
 *
 * BUNDLE_DIR is what `npm run cli -- export-audit --to BUNDLE_DIR` wrote. PUBLIC_KEY_FILE is the
 * sealing key's public half as you obtained it yourself (GET /checkpoints/public-key, a letter, a
 * printed notice) — never the copy inside the bundle. CHECKPOINT_FILE is a checkpoint you already
 * hold (GET /checkpoints/latest, a printed 公示 notice): the log must still contain it, unchanged.
 * Exit status: 0 the bundle verifies; 1 it does not (the first bad event or checkpoint is named);
 * 2 the command was used wrongly or a file could not be read.
 *
 * What is checked (the formats are stated here so that anyone can write their own checker):
 *  - canonical(event) is RFC 8785 (JCS) JSON of {data, id, metadata, position, recordedAt, revision,
 *    stream, type}: keys sorted by UTF-16 code units, no whitespace, numbers and strings as ECMAScript
 *    JSON.stringify writes them; position is "<commit>.<prepare>", revision a decimal string,
 *    recordedAt ISO-8601 UTC with milliseconds. events.jsonl holds one such object per line.
 *  - H is SHA-256 for Ed25519 keys, SM3 for SM2 keys (GB/T 32905, 32918).
 *  - the chain: h_0 = 32 zero bytes, h_i = H(h_{i-1} ‖ canonical(event_i)); a checkpoint's chainHead
 *    is h at its count.
 *  - a checkpoint's merkleRoot is the RFC 6962 / RFC 9162 Merkle tree hash over the events it adds
 *    (leaf = H(0x00 ‖ canonical), node = H(0x01 ‖ left ‖ right)).
 *  - a checkpoint is {body, signature}: the signature (hex) is over the UTF-8 bytes of
 *    canonical(body); Ed25519 (RFC 8032) or SM2 with SM3 and the default ID "1234567812345678"
 *    (signature hex r ‖ s). body.previous is H(canonical(previous body) ‖ previous signature bytes),
 *    64 zeros for the first; body.keyId is the first 16 bytes of H(raw public key), in hex.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

// ---------------------------------------------------------------------------------------------
// Canonical form (RFC 8785): the bytes every hash and signature below is taken over.

function canonicalJson(value) {
  // Fast path: JSON.stringify, with no replacer, does the writing (numbers and strings exactly as
  // JCS wants them), given the value with every object's keys already in JCS order. The sealer
  // canonicalises every event of the log, so this is its hot path: a replacer would be called back
  // for every member, and a walk in plain JavaScript costs a third of that. An object with
  // integer-like keys cannot hold them in JCS order (the engine lists them first, numerically):
  // such a value is written by hand.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') throw new Error(`cannot put a ${typeof value} in canonical JSON`);
  try {
    return JSON.stringify(inJcsOrder(value));
  } catch (e) {
    if (e !== INDEX_KEYS) throw e;
    return canonicalByHand(value);
  }
}

const INDEX_KEYS = new Error('integer-like keys');
const isIndexKey = (k) => /^(0|[1-9][0-9]{0,9})$/.test(k) && Number(k) < 4294967295;

const notFinite = () => new Error('a number that JSON cannot hold');

/**
 * The value as JSON.stringify would see it, with every object's keys in JCS order: an object or
 * array is copied only where its keys are out of order or a member changed, otherwise given back
 * as it is. What JSON.stringify does by itself (leave out undefined members, write undefined in
 * an array as null, refuse a bigint) it is left to do.
 */
function inJcsOrder(value) {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number' && !Number.isFinite(value)) throw notFinite();
    return value;
  }
  // JSON.stringify writes what toJSON gives (a Date its ISO text), and that is what is ordered.
  if (typeof value.toJSON === 'function') return inJcsOrder(value.toJSON());
  if (Array.isArray(value)) {
    let copy;
    for (let i = 0; i < value.length; i++) {
      const x = value[i];
      if (typeof x === 'object' && x !== null) {
        const y = inJcsOrder(x);
        if (y !== x) (copy ??= value.slice())[i] = y;
      } else if (typeof x === 'number' && !Number.isFinite(x)) throw notFinite();
    }
    return copy ?? value;
  }
  const keys = Object.keys(value);
  const n = keys.length;
  // Integer-like keys come first in an object's own order: only then can one be first.
  if (n > 0 && keys[0].charCodeAt(0) <= 57 && isIndexKey(keys[0])) throw INDEX_KEYS;
  let inOrder = true;
  for (let i = 1; i < n && inOrder; i++) inOrder = keys[i - 1] < keys[i];
  // Sorted as strings by default: by UTF-16 code units, which is JCS's order.
  const ordered = inOrder ? keys : keys.sort();
  // Copied from the first member that must change (all of them when the keys are out of order).
  let copy = inOrder ? undefined : {};
  for (let i = 0; i < n; i++) {
    const k = ordered[i];
    const x = value[k];
    let y = x;
    if (typeof x === 'object' && x !== null) y = inJcsOrder(x);
    else if (typeof x === 'number' && !Number.isFinite(x)) throw notFinite();
    if (copy === undefined && y !== x) {
      copy = {};
      for (let j = 0; j < i; j++) put(copy, ordered[j], value[ordered[j]]);
    }
    if (copy !== undefined) put(copy, k, y);
  }
  return copy ?? value;
}

function put(object, k, x) {
  // A member named __proto__ (JSON.parse makes it an own member) must stay a member, not become the object's prototype.
  if (k === '__proto__') Object.defineProperty(object, k, { value: x, enumerable: true, writable: true, configurable: true });
  else object[k] = x;
}

/** The same, written out by hand: keys sorted by UTF-16 code units, whatever they are. */
function canonicalByHand(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('a number that JSON cannot hold');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalByHand(v))).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalByHand(value[k])}`).join(',')}}`;
  }
  throw new Error(`cannot put a ${typeof value} in canonical JSON`);
}

/** The fields of an event that are sealed, as they are written to events.jsonl. */
function canonicalEvent(e) {
  return canonicalJson({
    data: e.data,
    id: e.id,
    metadata: e.metadata,
    position: e.position,
    recordedAt: e.recordedAt,
    revision: e.revision,
    stream: e.stream,
    type: e.type,
  });
}

// ---------------------------------------------------------------------------------------------
// Hashes, chain and Merkle trees.

const SUITES = Object.freeze({ ed25519: { hash: 'sha256' }, 'sm2-sm3': { hash: 'sm3' } });
const ZERO_HASH = Buffer.alloc(32);
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** H of one buffer: one call where Node has crypto.hash (20.12 and later), else a Hash object. */
const digestOf = typeof crypto.hash === 'function'
  ? (alg, data) => crypto.hash(alg, data, 'buffer')
  : (alg, data) => crypto.createHash(alg).update(data).digest();

function hashOf(alg, ...parts) {
  const h = crypto.createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

// A string is hashed as its UTF-8 bytes (what Hash.update does with a string).
const leafHash = (alg, canonical) => hashOf(alg, LEAF, canonical);
const chainNext = (alg, previous, canonical) => hashOf(alg, previous, canonical);

/** The largest power of two below n (n ≥ 2): where RFC 6962 splits a tree. */
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** 32-byte hashes laid end to end (as the seal's records keep them), as a list of views on them. */
function leafList(bytes) {
  const leaves = [];
  for (let i = 0; i < bytes.length; i += 32) leaves.push(bytes.subarray(i, i + 32));
  return leaves;
}

/** RFC 6962 Merkle tree hash over leaf hashes (already H(0x00 ‖ d)). */
function merkleRoot(alg, leaves, from = 0, to = leaves.length) {
  const n = to - from;
  if (n === 0) return hashOf(alg);
  if (n === 1) return leaves[from];
  const k = split(n);
  // One call over the 65 bytes: a Hash object fed three parts costs twice as much, every node of every checkpoint.
  return digestOf(alg, Buffer.concat([NODE, merkleRoot(alg, leaves, from, from + k), merkleRoot(alg, leaves, from + k, to)]));
}

/** RFC 6962 PATH(m, D[n]): the sibling hashes from leaf m up to the root. */
function inclusionPath(alg, leaves, m, from = 0, to = leaves.length) {
  const n = to - from;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...inclusionPath(alg, leaves, m, from, from + k), merkleRoot(alg, leaves, from + k, to)];
  return [...inclusionPath(alg, leaves, m - k, from + k, to), merkleRoot(alg, leaves, from, from + k)];
}

/** RFC 9162 §2.1.3.2: the root a leaf and its inclusion path imply, or undefined if the path cannot be one. */
function rootFromPath(alg, index, size, leaf, pathHashes) {
  if (!(index >= 0 && index < size)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of pathHashes) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = hashOf(alg, NODE, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashOf(alg, NODE, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures.

/**
 * A public key from what an auditor was given: a JSON file {alg, publicKey} (Ed25519 as PEM, SM2
 * as the hex point 04 ‖ x ‖ y), or a bare Ed25519 PEM.
 */
function parsePublicKey(text) {
  const trimmed = String(text).trim();
  let spec;
  if (trimmed.startsWith('{')) spec = JSON.parse(trimmed);
  else if (trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) spec = { alg: 'ed25519', publicKey: trimmed };
  else throw new Error('a public key file is JSON {"alg", "publicKey"} or an Ed25519 PEM');
  if (spec.alg === 'ed25519') {
    const key = crypto.createPublicKey(spec.publicKey);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('the PEM is not an Ed25519 public key');
    const raw = key.export({ format: 'der', type: 'spki' }).subarray(-32);
    return { alg: 'ed25519', hash: 'sha256', key, raw, keyId: hashOf('sha256', raw).subarray(0, 16).toString('hex') };
  }
  if (spec.alg === 'sm2-sm3') {
    const hex = String(spec.publicKey).toLowerCase();
    if (!/^04[0-9a-f]{128}$/.test(hex)) throw new Error('an SM2 public key is the hex point 04 ‖ x ‖ y (130 hex digits)');
    const raw = Buffer.from(hex, 'hex');
    return { alg: 'sm2-sm3', hash: 'sm3', publicKeyHex: hex, raw, keyId: hashOf('sm3', raw).subarray(0, 16).toString('hex') };
  }
  throw new Error(`unknown key algorithm "${spec.alg}" (ed25519 or sm2-sm3)`);
}

/** The public key in the form parsePublicKey reads, for publishing. */
function publicKeyDocument(pub) {
  return pub.alg === 'ed25519'
    ? { alg: 'ed25519', keyId: pub.keyId, publicKey: pub.key.export({ format: 'pem', type: 'spki' }).toString() }
    : { alg: 'sm2-sm3', keyId: pub.keyId, publicKey: pub.publicKeyHex };
}

function verifySignature(pub, bytes, signatureHex) {
  if (typeof signatureHex !== 'string' || !/^[0-9a-f]+$/i.test(signatureHex)) return false;
  if (pub.alg === 'ed25519') {
    try {
      return crypto.verify(null, bytes, pub.key, Buffer.from(signatureHex, 'hex'));
    } catch {
      return false;
    }
  }
  if (signatureHex.length !== 128) return false;
  return sm2Verify(pub.publicKeyHex, bytes, { r: signatureHex.slice(0, 64).toLowerCase(), s: signatureHex.slice(64).toLowerCase() });
}

const checkpointBytes = (body) => Buffer.from(canonicalJson(body), 'utf8');

/** What the next checkpoint's body.previous must be. */
function checkpointLink(hash, checkpoint) {
  return hashOf(hash, checkpointBytes(checkpoint.body), Buffer.from(checkpoint.signature, 'hex')).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// Verification. Events come as an async iterable so that a log of millions is walked, not held.

/**
 * Checks the checkpoints themselves: each signed by the trusted key, numbered 1, 2, 3…, each
 * continuing the one before. Returns the problems found (first ones first).
 */
function checkCheckpoints(pub, checkpoints) {
  const problems = [];
  let previous;
  for (const cp of checkpoints) {
    const b = cp.body || {};
    if (b.keyId !== pub.keyId || b.alg !== pub.alg) {
      problems.push({ kind: 'foreign_key', checkpoint: b.no, message: `checkpoint ${b.no} is signed by another key (${b.alg} ${b.keyId}), not the key you trust (${pub.alg} ${pub.keyId})` });
      break;
    }
    if (!verifySignature(pub, checkpointBytes(b), cp.signature)) {
      problems.push({ kind: 'bad_signature', checkpoint: b.no, message: `checkpoint ${b.no}: its signature does not verify under the key you trust; the checkpoint was altered or signed by another key` });
      break;
    }
    const want = previous
      ? { no: previous.body.no + 1, fromCount: previous.body.count, fromPosition: previous.body.position, previous: checkpointLink(pub.hash, previous) }
      : { no: 1, fromCount: 0, fromPosition: '0.0', previous: '0'.repeat(64) };
    for (const field of ['no', 'fromCount', 'fromPosition', 'previous']) {
      if (b[field] !== want[field]) {
        problems.push({ kind: 'checkpoint_gap', checkpoint: b.no, message: `checkpoint ${b.no}: ${field} is ${JSON.stringify(b[field])}, but it must continue ${previous ? `checkpoint ${previous.body.no}` : 'the start of the log'} (${JSON.stringify(want[field])}): a checkpoint is missing or was replaced` });
        return problems;
      }
    }
    if (!(Number.isSafeInteger(b.count) && b.count > b.fromCount)) {
      problems.push({ kind: 'checkpoint_gap', checkpoint: b.no, message: `checkpoint ${b.no}: count ${b.count} does not follow ${b.fromCount}` });
      break;
    }
    previous = cp;
  }
  return problems;
}

/** A checkpoint someone holds must be in the log as it was signed. */
function checkHeld(pub, checkpoints, held) {
  if (!held) return [];
  const b = held.body || {};
  if (b.keyId !== pub.keyId || !verifySignature(pub, checkpointBytes(b), held.signature)) {
    return [{ kind: 'held_checkpoint_invalid', checkpoint: b.no, message: `the checkpoint you hold (no. ${b.no}) does not verify under the key you trust` }];
  }
  const same = checkpoints.find((c) => c.body && c.body.no === b.no);
  if (!same) {
    return [{ kind: 'truncated', checkpoint: b.no, message: `the checkpoint you hold (no. ${b.no}: ${b.count} events up to ${b.position}, sealed ${b.sealedAt}) is not in this log, which has ${checkpoints.length} checkpoints: the log was cut back or re-sealed since` }];
  }
  if (canonicalJson(same.body) !== canonicalJson(b) || same.signature !== held.signature) {
    return [{ kind: 'forked', checkpoint: b.no, message: `checkpoint ${b.no} in this log differs from the one you hold: the log was re-sealed since (your chain head ${b.chainHead}, this log's ${same.body.chainHead})` }];
  }
  return [];
}

/** Global positions "<commit>.<prepare>" compared as pairs of whole numbers. */
function comparePositionText(a, b) {
  const [x, y] = [String(a).split('.').map(BigInt), String(b).split('.').map(BigInt)];
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1;
}

const describeEvent = (e) => `${e.id} (${e.stream} revision ${e.revision}, position ${e.position})`;

/**
 * The whole log against its seals. `sealed` lists, per checkpoint in order, the ids and leaf
 * hashes it covers; `events` yields {canonical, id, stream, revision, position} in global order.
 * Names the first bad event: altered, deleted, inserted, reordered, or the log cut short.
 */
async function verifyFullLog(pub, checkpoints, sealed, events, held) {
  const problems = [...checkCheckpoints(pub, checkpoints), ...checkHeld(pub, checkpoints, held)];
  const hash = pub.hash;
  // The seal records must be what the checkpoints signed.
  const ids = [];
  const leaves = [];
  const ends = [];
  for (const cp of checkpoints) {
    const s = sealed.get(cp.body.no);
    const n = cp.body.count - cp.body.fromCount;
    if (!s || s.ids.length !== n || s.leaves.length !== n || !merkleRoot(hash, s.leaves).equals(Buffer.from(cp.body.merkleRoot, 'hex'))) {
      problems.push({ kind: 'seal_records_altered', checkpoint: cp.body.no, message: `the seal records of checkpoint ${cp.body.no} do not hash to its signed Merkle root: they were altered` });
      break;
    }
    ids.push(...s.ids);
    leaves.push(...s.leaves);
    ends.push(cp);
  }
  let chain = ZERO_HASH;
  let i = 0;
  let next = 0; // index into ends: the checkpoint whose count comes next
  // Every stream's revisions run 0, 1, 2… in the log: a gap is an event missing from the global
  // order (deleted, or hidden from it while a stream read still finds it).
  const lastRevision = new Map();
  let gap;
  const iterator = events[Symbol.asyncIterator]();
  let first;
  for (;;) {
    const r = await iterator.next();
    if (r.done) break;
    const e = r.value;
    const want = lastRevision.has(e.stream) ? lastRevision.get(e.stream) + 1n : 0n;
    if (!gap && BigInt(e.revision) !== want) gap = { e, want };
    lastRevision.set(e.stream, BigInt(e.revision));
    if (i < ids.length) {
      const leaf = leafHash(hash, e.canonical);
      if (e.id !== ids[i] || !leaf.equals(leaves[i])) {
        first = { e, i };
        break;
      }
    }
    chain = chainNext(hash, chain, e.canonical);
    i++;
    while (next < ends.length && ends[next].body.count === i) {
      if (chain.toString('hex') !== ends[next].body.chainHead) {
        problems.push({ kind: 'chain_mismatch', checkpoint: ends[next].body.no, message: `the chain over the log differs from checkpoint ${ends[next].body.no}'s chain head` });
        return report(problems, i, checkpoints, 0);
      }
      next++;
    }
  }
  const covering = (seq) => ends.find((cp) => cp.body.count > seq);
  if (first) {
    const { e, i: at } = first;
    const cp = covering(at);
    const sealedId = ids[at];
    if (e.id === sealedId) {
      problems.push({ kind: 'altered', sequence: at + 1, eventId: e.id, checkpoint: cp.body.no, message: `event ${describeEvent(e)}, number ${at + 1} in the log, was altered after checkpoint ${cp.body.no} sealed it` });
    } else {
      // Which it is depends on where the two events went: read the rest of the log.
      const liveRest = new Set([e.id]);
      for (;;) {
        const r = await iterator.next();
        if (r.done) break;
        liveRest.add(r.value.id);
      }
      const sealedAt = ids.indexOf(e.id, at);
      if (!liveRest.has(sealedId)) {
        problems.push({ kind: 'deleted', sequence: at + 1, eventId: sealedId, checkpoint: cp.body.no, message: `event ${sealedId}, number ${at + 1} in the log as checkpoint ${cp.body.no} sealed it, is missing: deleted` });
      } else if (sealedAt < 0) {
        problems.push({ kind: 'inserted', sequence: at + 1, eventId: e.id, checkpoint: cp.body.no, message: `event ${describeEvent(e)}, number ${at + 1} in the log, was never sealed: inserted into the part of the log checkpoint ${cp.body.no} covers` });
      } else {
        problems.push({ kind: 'reordered', sequence: at + 1, eventId: e.id, checkpoint: cp.body.no, message: `event ${describeEvent(e)} is number ${at + 1} in the log, but checkpoint ${covering(sealedAt).body.no} sealed it as number ${sealedAt + 1}: the order was changed` });
      }
    }
    return report(problems, at, checkpoints, 0);
  }
  if (gap) {
    problems.push({ kind: 'deleted', eventId: gap.e.id, message: `stream ${gap.e.stream} goes from revision ${gap.want - 1n} to ${gap.e.revision} in the log's global order: revision ${gap.want} is missing (deleted, or hidden from the global order)` });
  }
  if (i < ids.length) {
    const cp = covering(i);
    problems.push({ kind: 'truncated', sequence: i + 1, eventId: ids[i], checkpoint: cp.body.no, message: `the log ends after ${i} events, but checkpoint ${ends[ends.length - 1].body.no} sealed ${ids.length}: events from number ${i + 1} (${ids[i]}) on are missing` });
  }
  return report(problems, Math.min(i, ids.length), checkpoints, Math.max(0, i - ids.length));
}

/**
 * Part of a log (one stream, one region): each event against its inclusion proof. Deletions are
 * seen only where a stream's revisions leave a gap; a whole export proves more.
 */
async function verifyProvenEvents(pub, checkpoints, proofs, events, held, wholeStreams) {
  const problems = [...checkCheckpoints(pub, checkpoints), ...checkHeld(pub, checkpoints, held)];
  const byNo = new Map(checkpoints.map((c) => [c.body.no, c]));
  let checked = 0;
  let unsealed = 0;
  const lastRevision = new Map();
  for await (const e of events) {
    if (wholeStreams) {
      const want = lastRevision.has(e.stream) ? lastRevision.get(e.stream) + 1n : 0n;
      if (BigInt(e.revision) !== want && !problems.some((p) => p.eventId)) {
        problems.push({ kind: 'deleted', eventId: e.id, message: `stream ${e.stream} goes from revision ${want - 1n} to ${e.revision}: revision ${want} is missing` });
      }
      lastRevision.set(e.stream, BigInt(e.revision));
    }
    const proof = proofs.get(e.id);
    if (!proof) {
      // Without a proof an event may only lie after the last checkpoint: one inside the signed
      // range that no checkpoint lists was put there afterwards (or its proof was withheld).
      const last = checkpoints[checkpoints.length - 1];
      if (last && comparePositionText(e.position, last.body.position) <= 0) {
        if (!problems.some((p) => p.eventId)) {
          problems.push({ kind: 'inserted', eventId: e.id, message: `event ${describeEvent(e)} lies in the part of the log the checkpoints sealed (up to ${last.body.position}) but has no inclusion proof: it was put there after sealing, or altered (an altered id), or its proof was left out` });
        }
        continue;
      }
      unsealed++;
      continue;
    }
    const cp = byNo.get(proof.checkpoint);
    const root = cp && rootFromPath(pub.hash, proof.index, cp.body.count - cp.body.fromCount, leafHash(pub.hash, e.canonical), proof.path.map((h) => Buffer.from(h, 'hex')));
    if (!cp || !root || !root.equals(Buffer.from(cp.body.merkleRoot, 'hex'))) {
      if (!problems.some((p) => p.eventId)) {
        problems.push({ kind: 'altered', eventId: e.id, checkpoint: proof.checkpoint, message: `event ${describeEvent(e)} is not what checkpoint ${proof.checkpoint} sealed: altered (or its proof is not from this log)` });
      }
      continue;
    }
    checked++;
  }
  return report(problems, checked, checkpoints, unsealed);
}

/**
 * One event's proof as GET /events/{id}/proof serves it: the checkpoint is signed by the trusted
 * key and the event, hashed, climbs its path to the checkpoint's Merkle root.
 */
function verifyProofDocument(pub, doc) {
  const problems = [];
  const cp = doc.checkpoint;
  const b = (cp && cp.body) || {};
  if (b.keyId !== pub.keyId || b.alg !== pub.alg) {
    problems.push({ kind: 'foreign_key', checkpoint: b.no, message: `checkpoint ${b.no} is signed by another key (${b.alg} ${b.keyId}), not the key you trust (${pub.alg} ${pub.keyId})` });
  } else if (!verifySignature(pub, checkpointBytes(b), cp.signature)) {
    problems.push({ kind: 'bad_signature', checkpoint: b.no, message: `checkpoint ${b.no}: its signature does not verify under the key you trust` });
  } else {
    const e = doc.event || {};
    const p = doc.proof || {};
    const root = p.checkpoint === b.no && Array.isArray(p.path) && p.treeSize === b.count - b.fromCount
      ? rootFromPath(pub.hash, p.index, p.treeSize, leafHash(pub.hash, canonicalEvent(e)), p.path.map((h) => Buffer.from(h, 'hex')))
      : undefined;
    if (!root || !root.equals(Buffer.from(b.merkleRoot, 'hex'))) {
      problems.push({ kind: 'altered', eventId: e.id, checkpoint: b.no, message: `event ${e.id} is not what checkpoint ${b.no} sealed: altered (or the proof is not for it)` });
    }
  }
  return report(problems, problems.length ? 0 : 1, cp ? [cp] : [], 0);
}

function report(problems, events, checkpoints, unsealed) {
  const last = checkpoints[checkpoints.length - 1];
  return { ok: problems.length === 0, problems, eventsChecked: events, checkpoints: checkpoints.length, unsealed, head: last ? last.body : undefined };
}

// ---------------------------------------------------------------------------------------------
// The bundle on disk.

function readJsonLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

/** events.jsonl, one event per line, read line by line. */
async function* bundleEvents(file) {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line);
    yield { canonical: canonicalEvent(e), id: e.id, stream: e.stream, revision: e.revision, position: e.position };
  }
}

async function verifyBundle(dir, pub, held) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const checkpoints = readJsonLines(path.join(dir, 'checkpoints.jsonl'));
  const events = bundleEvents(path.join(dir, 'events.jsonl'));
  // The scope is said with the verdict: a part of the log proves only that part.
  if (manifest.scope === 'whole log') {
    const sealed = new Map(readJsonLines(path.join(dir, 'seals.jsonl')).map((s) => [s.checkpoint, { ids: s.ids, leaves: s.leaves.map((h) => Buffer.from(h, 'hex')) }]));
    return { ...(await verifyFullLog(pub, checkpoints, sealed, events, held)), scope: 'the whole log' };
  }
  const proofs = new Map(readJsonLines(path.join(dir, 'proofs.jsonl')).map((p) => [p.eventId, p]));
  return { ...(await verifyProvenEvents(pub, checkpoints, proofs, events, held, Boolean(manifest.wholeStreams))), scope: `part of the log (${manifest.scope})` };
}

async function main(argv) {
  const args = argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const dir = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
  const keyFile = option('key');
  const proofFile = option('proof');
  if ((!dir && !proofFile) || !keyFile) {
    process.stderr.write('usage: node yuantrace-verify.js BUNDLE_DIR --key PUBLIC_KEY_FILE [--expect CHECKPOINT_FILE]\n' +
      '       node yuantrace-verify.js --proof PROOF_FILE --key PUBLIC_KEY_FILE   (an answer of GET /events/{id}/proof)\n');
    return 2;
  }
  let pub;
  let held;
  try {
    pub = parsePublicKey(fs.readFileSync(keyFile, 'utf8'));
    const expectFile = option('expect');
    if (expectFile) {
      const doc = JSON.parse(fs.readFileSync(expectFile, 'utf8'));
      held = doc.checkpoint || doc;
    }
  } catch (e) {
    process.stderr.write(`cannot read the key or the held checkpoint: ${e.message}\n`);
    return 2;
  }
  let result;
  try {
    result = proofFile ? verifyProofDocument(pub, JSON.parse(fs.readFileSync(proofFile, 'utf8'))) : await verifyBundle(dir, pub, held);
  } catch (e) {
    process.stderr.write(`cannot read ${proofFile || `the bundle ${dir}`}: ${e.message}\n`);
    return 2;
  }
  for (const p of result.problems) process.stdout.write(`BAD ${p.kind}: ${p.message}\n`);
  if (result.ok) {
    const h = result.head;
    process.stdout.write(`OK: ${result.eventsChecked} events checked against ${result.checkpoints} checkpoints signed by ${pub.alg} key ${pub.keyId}` +
      (result.scope ? `, ${result.scope}` : '') +
      (h ? `; the last seals ${h.count} events up to position ${h.position} (chain head ${h.chainHead}, ${h.sealedAt})` : '') +
      (result.unsealed ? `; ${result.unsealed} later events are not sealed yet` : '') + '\n');
    return 0;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// SM2 (GB/T 32918.2) signatures with SM3 (GB/T 32905).
// SM2 digital signature (GB/T 32918.2-2016, GM/T 0003.2-2012) with SM3 as the hash, on plain
// BigInt arithmetic so that it runs on any Node 20 with nothing installed: node:crypto supplies SM3
// and random bytes, but its sign/verify take no SM2 distinguishing ID (so no Z_A).
// The sealer signs with sm2Sign; BigInt arithmetic is not constant-time, so the signing process
// should run where nobody else can time it.

// The recommended 256-bit curve, GB/T 32918.5-2017 (GM/T 0003.5-2012), "sm2p256v1".
const SM2_CURVE = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

// The ID both sides assume when none was agreed (GM/T 0009-2012).
const DEFAULT_ID = '1234567812345678';

function sm3(...buffers) {
  const h = crypto.createHash('sm3');
  for (const b of buffers) h.update(b);
  return h.digest();
}

// ---- numbers ----------------------------------------------------------------

function mod(x, m) {
  const r = x % m;
  return r < 0n ? r + m : r;
}

// Extended Euclid: far cheaper on BigInt than Fermat's x^(m-2), and it needs no
// modular exponentiation of its own. Only called once per signature or verification.
function invert(x, m) {
  let r0 = mod(x, m), r1 = m, s0 = 1n, s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return mod(s0, m);
}

// Field elements and scalars are written with as many bytes as p (or n) needs,
// 32 on both 256-bit curves, as Z_A and the point encoding require.
const byteLength = (m) => (m.toString(2).length + 7) >> 3;
const toHex = (x, bytes) => x.toString(16).padStart(2 * bytes, '0');
const toBytes = (x, bytes) => Buffer.from(toHex(x, bytes), 'hex');

// A strict hex number of at most `bytes` bytes, or null: no '0x', no sign, no
// whitespace, so that one value has few spellings and garbage is never "parsed".
function parseHex(value, bytes) {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]+$/.test(value) || value.length > 2 * bytes) return null;
  return BigInt('0x' + value);
}

// Uniform in [1, max]: reject, rather than reduce, so that no value is favoured.
function randomScalar(max) {
  const bits = max.toString(2).length;
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const k = BigInt('0x' + crypto.randomBytes((bits + 7) >> 3).toString('hex')) & mask;
    if (k >= 1n && k <= max) return k;
  }
}

// ---- points -------------------------------------------------------------------
// Jacobian coordinates [X, Y, Z] stand for the affine (X/Z^2, Y/Z^3), which puts off
// every field inversion to the very end; Z = 0 is the point at infinity. The formulas
// keep the general `a`, since the standard's example curve does not have a = -3.

const INFINITY = Object.freeze([1n, 1n, 0n]);

function double([X, Y, Z], c) {
  if (Z === 0n || Y === 0n) return INFINITY;
  const p = c.p;
  const XX = (X * X) % p, YY = (Y * Y) % p, ZZ = (Z * Z) % p;
  const S = (4n * X * YY) % p;
  const M = (3n * XX + c.a * ((ZZ * ZZ) % p)) % p;
  const X3 = mod(M * M - 2n * S, p);
  const Y3 = mod(M * (S - X3) - 8n * ((YY * YY) % p), p);
  return [X3, Y3, (2n * Y * Z) % p];
}

function add(P, Q, c) {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const p = c.p;
  const [X1, Y1, Z1] = P, [X2, Y2, Z2] = Q;
  const Z1Z1 = (Z1 * Z1) % p, Z2Z2 = (Z2 * Z2) % p;
  const U1 = (X1 * Z2Z2) % p, U2 = (X2 * Z1Z1) % p;
  const S1 = (((Y1 * Z2) % p) * Z2Z2) % p, S2 = (((Y2 * Z1) % p) * Z1Z1) % p;
  const H = mod(U2 - U1, p), R = mod(S2 - S1, p);
  // Same x: either the same point (the formulas would divide by zero) or P = -Q.
  if (H === 0n) return R === 0n ? double(P, c) : INFINITY;
  const HH = (H * H) % p, HHH = (H * HH) % p, V = (U1 * HH) % p;
  const X3 = mod(R * R - HHH - 2n * V, p);
  const Y3 = mod(R * (V - X3) - S1 * HHH, p);
  return [X3, Y3, (((Z1 * Z2) % p) * H) % p];
}

// k1·P1 + k2·P2 + ... for affine points [x, y] and scalars in [0, n), as affine [x, y]
// or null for infinity. Fixed 4-bit windows read straight off the hex digits, all
// scalars sharing the doublings (Shamir's trick): 256 doublings and at most 64
// additions per scalar, against 128 additions for plain double-and-add.
function multiply(terms, c) {
  const width = 2 * byteLength(c.n);
  const digits = terms.map(([k]) => k.toString(16).padStart(width, '0'));
  const tables = terms.map(([, [x, y]]) => {
    const t = [INFINITY, [x, y, 1n]];
    for (let i = 2; i < 16; i++) t.push(add(t[i - 1], t[1], c));
    return t;
  });
  let acc = INFINITY;
  for (let i = 0; i < width; i++) {
    acc = double(double(double(double(acc, c), c), c), c);
    for (let j = 0; j < terms.length; j++) {
      const w = parseInt(digits[j][i], 16);
      if (w !== 0) acc = add(acc, tables[j][w], c);
    }
  }
  return toAffine(acc, c);
}

function toAffine([X, Y, Z], c) {
  if (Z === 0n) return null;
  const zi = invert(Z, c.p), zi2 = (zi * zi) % c.p;
  return [(X * zi2) % c.p, (((Y * zi2) % c.p) * zi) % c.p];
}

function isOnCurve([x, y], c) {
  const p = c.p;
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return (y * y) % p === (((x * x) % p) * x + c.a * x + c.b) % p;
}

// '04' || x || y, the uncompressed encoding (GB/T 32918.1 4.2.9). Infinity ('00') and
// compressed points are refused. Being on the curve is enough for the point to lie in
// the group of order n: the SM2 curves have cofactor 1, so [n]P = O need not be checked.
function decodePoint(hex, c) {
  const len = byteLength(c.p);
  if (typeof hex !== 'string' || hex.length !== 2 + 4 * len || !/^04[0-9a-fA-F]+$/.test(hex)) return null;
  const P = [BigInt('0x' + hex.slice(2, 2 + 2 * len)), BigInt('0x' + hex.slice(2 + 2 * len))];
  return isOnCurve(P, c) ? P : null;
}

function encodePoint([x, y], c) {
  const len = byteLength(c.p);
  return '04' + toHex(x, len) + toHex(y, len);
}

// ---- SM2 ----------------------------------------------------------------------

// The private key d must lie in [1, n-2]: n-1 would make 1 + d non-invertible mod n.
function parsePrivateKey(privateKeyHex, c) {
  const d = parseHex(privateKeyHex, byteLength(c.n));
  if (d === null || d < 1n || d > c.n - 2n) throw new RangeError('SM2 private key must be hex in [1, n-2]');
  return d;
}

function sm2PublicKey(privateKeyHex, curve = SM2_CURVE) {
  const d = parsePrivateKey(privateKeyHex, curve);
  return encodePoint(multiply([[d, [curve.Gx, curve.Gy]]], curve), curve);
}

// Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA): binds the signature to the
// signer's identity and key and to the curve. ENTL is the ID's length in bits, 2 bytes.
function za(P, id, c) {
  const idBytes = typeof id === 'string' ? Buffer.from(id, 'utf8') : Buffer.from(id);
  if (idBytes.length > 0x1fff) throw new RangeError('SM2 ID longer than 8191 bytes');
  const entl = Buffer.from([(idBytes.length * 8) >> 8, (idBytes.length * 8) & 0xff]);
  const len = byteLength(c.p);
  const fields = [c.a, c.b, c.Gx, c.Gy, P[0], P[1]].map((x) => toBytes(x, len));
  return sm3(entl, idBytes, ...fields);
}

function sm2Za(publicKeyHex, id = DEFAULT_ID, curve = SM2_CURVE) {
  const P = decodePoint(publicKeyHex, curve);
  if (!P) throw new RangeError('SM2 public key must be an uncompressed point on the curve');
  return za(P, id, curve);
}

// e = SM3(Z_A || M) read as a big-endian integer; not reduced, (e + x1) mod n is.
const digest = (P, id, message, c) => BigInt('0x' + sm3(za(P, id, c), message).toString('hex'));

function sm2Sign(privateKeyHex, message, { id = DEFAULT_ID, curve = SM2_CURVE, k: fixedK } = {}) {
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Buffer');
  const { n } = curve;
  const d = parsePrivateKey(privateKeyHex, curve);
  const G = [curve.Gx, curve.Gy];
  // Z_A needs the public key: derived from d rather than trusted from the caller.
  const e = digest(multiply([[d, G]], curve), id, message, curve);
  const inv1d = invert(1n + d, n);
  // A given k (test vectors only: a k known to anyone else reveals d) is used as is.
  let given = null;
  if (fixedK !== undefined) {
    given = typeof fixedK === 'bigint' ? fixedK : parseHex(fixedK, byteLength(n));
    if (given === null || given < 1n || given >= n) throw new RangeError('k must be a BigInt or hex in [1, n-1]');
  }
  for (;;) {
    const k = given !== null ? given : randomScalar(n - 1n);
    const [x1] = multiply([[k, G]], curve);
    const r = (e + x1) % n;
    // r = 0 or r + k = n would let s reveal d (GB/T 32918.2 6.1, step A5).
    const s = r === 0n || r + k === n ? 0n : mod(inv1d * (k - r * d), n);
    if (s !== 0n) return { r: toHex(r, byteLength(n)), s: toHex(s, byteLength(n)) };
    if (given !== null) throw new RangeError('this k gives no signature; choose another');
  }
}

// Every failure is `false`, never an exception: a verifier must not be crashed (or
// steered) by whatever bytes it is handed.
function sm2Verify(publicKeyHex, message, signature, options) {
  try {
    const { id = DEFAULT_ID, curve = SM2_CURVE } = options || {};
    const { n } = curve;
    if (!(message instanceof Uint8Array) || !signature) return false;
    const r = parseHex(signature.r, byteLength(n));
    const s = parseHex(signature.s, byteLength(n));
    if (r === null || s === null || r < 1n || r >= n || s < 1n || s >= n) return false;
    const t = (r + s) % n;
    if (t === 0n) return false;
    const P = decodePoint(publicKeyHex, curve);
    if (!P) return false;
    const X = multiply([[s, [curve.Gx, curve.Gy]], [t, P]], curve);
    if (!X) return false;
    return (digest(P, id, message, curve) + X[0]) % n === r;
  } catch {
    return false;
  }
}

function sm2GenerateKey(curve = SM2_CURVE) {
  const d = randomScalar(curve.n - 2n);
  const privateKey = toHex(d, byteLength(curve.n));
  return { privateKey, publicKey: sm2PublicKey(privateKey, curve) };
}

// r || s, each 32 bytes: the fixed-length form (as GM/T 0009 and most SM2 APIs use)
// in place of DER, which a verifier would otherwise have to parse.
function sm2SignatureToHex({ r, s }) {
  const rv = parseHex(r, 32), sv = parseHex(s, 32);
  if (rv === null || sv === null) throw new RangeError('r and s must be hex of at most 32 bytes');
  return toHex(rv, 32) + toHex(sv, 32);
}

function sm2SignatureFromHex(hex) {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{128}$/.test(hex)) {
    throw new RangeError('an SM2 signature is 128 hex digits, r || s');
  }
  return { r: hex.slice(0, 64).toLowerCase(), s: hex.slice(64).toLowerCase() };
}


module.exports = {
  canonicalJson,
  canonicalEvent,
  SUITES,
  ZERO_HASH,
  hashOf,
  digestOf,
  leafHash,
  chainNext,
  leafList,
  merkleRoot,
  inclusionPath,
  rootFromPath,
  parsePublicKey,
  publicKeyDocument,
  verifySignature,
  checkpointBytes,
  checkpointLink,
  verifyFullLog,
  verifyProvenEvents,
  verifyBundle,
  verifyProofDocument,
  main,
  SM2_CURVE,
  sm3,
  sm2PublicKey,
  sm2Za,
  sm2Sign,
  sm2Verify,
  sm2GenerateKey,
  sm2SignatureToHex,
  sm2SignatureFromHex,
};

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
