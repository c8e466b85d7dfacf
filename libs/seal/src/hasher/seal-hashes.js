'use strict';
/**
 * The sealer's hashing of a run of events, given their canonical texts in log order: every leaf,
 * the chain through them and the Merkle root of every checkpoint that falls in the run. Three
 * hashes an event, each mostly the fixed cost of one call, were a fifth of the sealer's work: a
 * long run (a catch-up's window) is hashed on a thread of its own, slice by slice as the sealer
 * writes the canonical texts, so that the two overlap; a short one (the live path) is hashed in
 * place. The same functions either way, written with the verifier's own definitions, so that where
 * they ran cannot change a byte of the seal.
 *
 * Plain JavaScript, so that a worker thread can load it as it is, built or not.
 */
const { isMainThread, parentPort } = require('node:worker_threads');
const v = require('../verifier/yuantrace-verify.js');
const { canonicalEventFromParts } = require('./canonical-text.js');

/**
 * A run: alg; chain (32 bytes: h before the run's first event); n, the run's events; cuts
 * (ascending counts of its events after which a checkpoint is written); earlierLeaves (32 bytes
 * each: those of events chained before the run and waiting for the first cut's checkpoint).
 */
function beginRun({ alg, chain, n, cuts, earlierLeaves }) {
  return { alg, head: Buffer.from(chain), n, cuts, earlierLeaves, leaves: Buffer.allocUnsafeSlow(32 * n), work: Buffer.allocUnsafeSlow(8192), done: 0, c: 0, from: 0, heads: [], roots: [] };
}

/** Hashes the run's next events, given as their canonical texts in log order. */
function addToRun(run, texts) {
  const parts = [];
  for (const text of texts) parts.push(text, null, null, null);
  addPartsToRun(run, parts);
}

/**
 * Hashes the run's next events, given four entries an event, in log order: its canonical text and
 * three nulls, or the store's JSON text of its data, the envelope's piece between data and
 * metadata, the JSON text of its metadata and the envelope's piece after it (canonical-text.js's
 * canonicalEventFromParts), whose canonical form is written here. A catch-up hands over the texts,
 * so that this thread, idle two thirds of the time, writes canonical JSON while the sealer reads on.
 */
function addPartsToRun(run, parts) {
  const { alg, cuts, leaves } = run;
  if (parts.length % 4 !== 0) throw new Error(`${parts.length} parts: an event is given as four`);
  if (run.done + parts.length / 4 > run.n) throw new Error(`a run of ${run.n} events was given ${run.done + parts.length / 4}`);
  let head = run.head;
  let work = run.work;
  for (let p = 0; p < parts.length; p += 4) {
    const text = parts[p + 1] === null ? parts[p] : canonicalEventFromParts(parts[p], parts[p + 1], parts[p + 2], parts[p + 3]);
    const i = run.done++;
    // One buffer [h_{i-1}][0x00][canonical], kept from event to event: its tail is the leaf's
    // input, and shifted left by one the whole is the chain's, so each text is encoded once. A
    // UTF-16 code unit takes at most three bytes of UTF-8.
    if (work.length < 33 + 3 * text.length) work = Buffer.allocUnsafeSlow(2 * (33 + 3 * text.length));
    const length = work.write(text, 33, 'utf8');
    head.copy(work, 0);
    work[32] = 0x00;
    v.digestOf(alg, work.subarray(32, 33 + length)).copy(leaves, 32 * i);
    work.copyWithin(32, 33, 33 + length);
    head = v.digestOf(alg, work.subarray(0, 32 + length));
    if (run.c < cuts.length && cuts[run.c] === i + 1) {
      const earlier = run.c === 0 && run.earlierLeaves ? v.leafList(run.earlierLeaves) : [];
      run.roots.push(Buffer.from(v.merkleRoot(alg, [...earlier, ...v.leafList(leaves.subarray(32 * run.from, 32 * (i + 1)))])));
      run.heads.push(head);
      run.from = i + 1;
      run.c++;
    }
  }
  run.head = head;
  run.work = work;
}

/**
 * The run's { leaves (32 bytes per event, in order), heads (the chain after each cut, then after
 * the last event), roots (each cut's RFC 6962 root: the first over earlierLeaves and the run's
 * events up to it, each next over the events since the cut before) }.
 */
function endRun(run) {
  if (run.done !== run.n) throw new Error(`a run of ${run.n} events ended after ${run.done}`);
  if (run.c !== run.cuts.length) throw new Error(`a checkpoint was asked for after event ${run.cuts[run.c]} of a run of ${run.n}`);
  return { leaves: run.leaves, heads: [...run.heads, run.head], roots: run.roots };
}

/** A whole run in place. */
function sealHashes({ alg, chain, texts, cuts, earlierLeaves }) {
  const run = beginRun({ alg, chain, n: texts.length, cuts, earlierLeaves });
  addToRun(run, texts);
  return endRun(run);
}

/** A Buffer over what crossed between threads (a Uint8Array), without copying. */
const asBuffer = (x) => (x ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : x);

// As a worker: runs are begun, given their texts slice by slice, and ended, in the order sent.
// A failed run answers its end with the error; the leaves are handed back, not copied.
if (!isMainThread && parentPort) {
  const runs = new Map();
  parentPort.on('message', ({ id, op, input }) => {
    try {
      if (op === 'begin') runs.set(id, { run: beginRun({ ...input, chain: asBuffer(input.chain), earlierLeaves: asBuffer(input.earlierLeaves) }) });
      else if (op === 'add') {
        const r = runs.get(id);
        if (r && !r.error) addPartsToRun(r.run, input);
      } else if (op === 'drop') {
        runs.delete(id);
      } else if (op === 'end') {
        const r = runs.get(id);
        runs.delete(id);
        if (!r) throw new Error(`no run ${id}`);
        if (r.error) throw r.error;
        const out = endRun(r.run);
        parentPort.postMessage({ id, out }, [out.leaves.buffer]);
      }
    } catch (e) {
      const r = runs.get(id);
      if (r && op !== 'end') r.error = e;
      else parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}

module.exports = { beginRun, addToRun, addPartsToRun, endRun, sealHashes, asBuffer };
