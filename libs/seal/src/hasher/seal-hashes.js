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
const { canonicalEventBytes } = require('./canonical-text.js');

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
  const { alg, leaves } = run;
  if (parts.length % 4 !== 0) throw new Error(`${parts.length} parts: an event is given as four`);
  if (run.done + parts.length / 4 > run.n) throw new Error(`a run of ${run.n} events was given ${run.done + parts.length / 4}`);
  let head = run.head;
  let work = run.work;
  for (let p = 0; p < parts.length; p += 4) {
    const i = run.done++;
    // One buffer [h_{i-1}][0x00][canonical], kept from event to event: its tail is the leaf's
    // input, and shifted left by one the whole is the chain's, so each text is encoded once. A
    // UTF-16 code unit takes at most three bytes of UTF-8.
    const text = parts[p + 1] === null ? parts[p] : undefined;
    const bytes = text === undefined ? canonicalEventBytes(parts[p], parts[p + 1], parts[p + 2], parts[p + 3]) : undefined;
    const most = bytes ? bytes.length : 3 * text.length;
    if (work.length < 33 + most) work = Buffer.allocUnsafeSlow(2 * (33 + most));
    const length = bytes ? bytes.copy(work, 33) : work.write(text, 33, 'utf8');
    head.copy(work, 0);
    work[32] = 0x00;
    v.digestOf(alg, work.subarray(32, 33 + length)).copy(leaves, 32 * i);
    work.copyWithin(32, 33, 33 + length);
    head = v.digestOf(alg, work.subarray(0, 32 + length));
    afterEvent(run, i, head);
  }
  run.head = head;
  run.work = work;
}


/** After event i is chained (head): a checkpoint's root and head if one falls after it. */
function afterEvent(run, i, head) {
  const { alg, cuts, leaves } = run;
  if (run.c < cuts.length && cuts[run.c] === i + 1) {
    const earlier = run.c === 0 && run.earlierLeaves ? v.leafList(run.earlierLeaves) : [];
    run.roots.push(Buffer.from(v.merkleRoot(alg, [...earlier, ...v.leafList(leaves.subarray(32 * run.from, 32 * (i + 1)))])));
    run.heads.push(head);
    run.from = i + 1;
    run.c++;
  }
}

/**
 * A window prepared ahead of its run: what does not depend on the chain before it, done while the
 * sealer still seals the window before. Each event's canonical text is kept as UTF-8 in one buffer,
 * as [32 bytes][canonical], the 32nd holding 0x00 for the leaf ([0x00][canonical]) and the 32
 * taking the chain's head once the run is hashed ([h_{i-1}][canonical]).
 */
function beginPrepared({ alg, n }) {
  return { alg, n, done: 0, bytes: Buffer.allocUnsafeSlow(Math.max(1 << 16, 1024 * n)), used: 0, starts: new Float64Array(n + 1), leaves: Buffer.allocUnsafeSlow(32 * n) };
}

/** Writes the prepared window's next events' canonical texts and leaves, given as addPartsToRun's parts. */
function addToPrepared(w, parts) {
  if (parts.length % 4 !== 0) throw new Error(`${parts.length} parts: an event is given as four`);
  if (w.done + parts.length / 4 > w.n) throw new Error(`a prepared window of ${w.n} events was given ${w.done + parts.length / 4}`);
  for (let p = 0; p < parts.length; p += 4) {
    const i = w.done++;
    const text = parts[p + 1] === null ? parts[p] : undefined;
    const bytes = text === undefined ? canonicalEventBytes(parts[p], parts[p + 1], parts[p + 2], parts[p + 3]) : undefined;
    const most = bytes ? bytes.length : 3 * text.length;
    if (w.bytes.length < w.used + 32 + most) {
      const bigger = Buffer.allocUnsafeSlow(2 * (w.used + 32 + most));
      w.bytes.copy(bigger, 0, 0, w.used);
      w.bytes = bigger;
    }
    const start = w.used;
    const end = start + 32 + (bytes ? bytes.copy(w.bytes, start + 32) : w.bytes.write(text, start + 32, 'utf8'));
    w.bytes[start + 31] = 0x00;
    v.digestOf(w.alg, w.bytes.subarray(start + 31, end)).copy(w.leaves, 32 * i);
    w.starts[i] = start;
    w.used = end;
  }
  w.starts[w.done] = w.used;
}

/** The run over a whole prepared window: its leaves as they were, the chain and the checkpoints' roots now. */
function runOverPrepared(spec, w) {
  if (spec.alg !== w.alg) throw new Error(`a window prepared for ${w.alg} was asked to be hashed with ${spec.alg}`);
  if (w.done !== w.n || spec.n !== w.n) throw new Error(`a run of ${spec.n} events was given a prepared window of ${w.done} of ${w.n}`);
  const run = beginRun(spec);
  w.leaves.copy(run.leaves);
  let head = run.head;
  for (let i = 0; i < w.n; i++) {
    const start = w.starts[i];
    head.copy(w.bytes, start);
    head = v.digestOf(spec.alg, w.bytes.subarray(start, w.starts[i + 1]));
    afterEvent(run, i, head);
  }
  run.head = head;
  run.done = w.n;
  return endRun(run);
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
  // Windows prepared ahead, by their own ids; a window that fails to prepare keeps its error for the run that asks for it.
  const prepared = new Map();
  parentPort.on('message', ({ id, op, input }) => {
    if (op === 'prepare') {
      try {
        prepared.set(id, { window: beginPrepared(input) });
      } catch (e) {
        prepared.set(id, { error: e }); // for the run that asks for it; the thread serves on
      }
      return;
    }
    if (op === 'prepare-add') {
      const w = prepared.get(id);
      try {
        if (w && !w.error) addToPrepared(w.window, input);
      } catch (e) {
        w.error = e;
      }
      return;
    }
    if (op === 'unprepare') return void prepared.delete(id);
    try {
      if (op === 'run-prepared') {
        const w = prepared.get(input.prepared);
        prepared.delete(input.prepared);
        if (!w) throw new Error(`no prepared window ${input.prepared}`);
        if (w.error) throw w.error;
        const out = runOverPrepared({ ...input.spec, chain: asBuffer(input.spec.chain), earlierLeaves: asBuffer(input.spec.earlierLeaves) }, w.window);
        parentPort.postMessage({ id, out }, [out.leaves.buffer]);
      } else if (op === 'begin') runs.set(id, { run: beginRun({ ...input, chain: asBuffer(input.chain), earlierLeaves: asBuffer(input.earlierLeaves) }) });
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

module.exports = { beginRun, addToRun, addPartsToRun, endRun, sealHashes, asBuffer, beginPrepared, addToPrepared, runOverPrepared };
