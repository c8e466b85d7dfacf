import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import * as v from '../verifier/yuantrace-verify';
import { eventEnvelope } from './canonical-text';
import { addPartsToRun, addToPrepared, addToRun, beginPrepared, beginRun, endRun, runOverPrepared, sealHashes } from './seal-hashes';

/**
 * The sealer's hashing of a run, against the verifier's own definitions taken one event at a time:
 * whatever the slices it is given in and wherever the checkpoints fall, the leaves, the chain after
 * each checkpoint and each checkpoint's Merkle root are the ones an auditor recomputes.
 */
type Case = { alg: 'sha256' | 'sm3'; chain: Buffer; texts: string[]; earlier: Buffer[]; every: number; slices: number[] };

const cutsOf = (n: number, waiting: number, every: number) => {
  const cuts: number[] = [];
  for (let cut = Math.max(1, every - waiting); cut <= n; cut += every) cuts.push(cut);
  return cuts;
};

/** One event at a time, as the verifier checks a log. */
function reference(c: Case) {
  let chain = c.chain;
  const leaves: Buffer[] = [];
  const heads: Buffer[] = [];
  const roots: Buffer[] = [];
  let tree = [...c.earlier];
  const cuts = cutsOf(c.texts.length, c.earlier.length, c.every);
  c.texts.forEach((text, i) => {
    const leaf = v.leafHash(c.alg, text);
    leaves.push(leaf);
    tree.push(leaf);
    chain = v.chainNext(c.alg, chain, text);
    if (cuts.includes(i + 1)) {
      roots.push(v.merkleRoot(c.alg, tree));
      heads.push(chain);
      tree = [];
    }
  });
  return { leaves: Buffer.concat(leaves), heads: [...heads, chain], roots, cuts };
}

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));
const cases: fc.Arbitrary<Case> = fc.record({
  alg: fc.constantFrom('sha256' as const, 'sm3' as const),
  chain: hash32,
  // Canonical texts as the sealer writes them: any JSON, non-ASCII included.
  texts: fc.array(fc.jsonValue().map((x) => v.canonicalJson(x)), { maxLength: 40 }),
  earlier: fc.array(hash32, { maxLength: 6 }),
  every: fc.integer({ min: 1, max: 9 }),
  slices: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
});

describe('the hashing of a run of events', () => {
  test('property: in slices or at once, the leaves, the chain at each checkpoint and each root are the verifier\'s', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const want = reference(c);
        const earlierLeaves = Buffer.concat(c.earlier);
        const run = beginRun({ alg: c.alg, chain: c.chain, n: c.texts.length, cuts: want.cuts, earlierLeaves });
        for (let at = 0, k = 0; at < c.texts.length; k++) {
          const size = c.slices[k % c.slices.length];
          addToRun(run, c.texts.slice(at, at + size));
          at += size;
        }
        const got = endRun(run);
        expect(got.leaves.equals(want.leaves)).toBe(true);
        expect(got.heads.map((h) => h.toString('hex'))).toEqual(want.heads.map((h) => h.toString('hex')));
        expect(got.roots.map((h) => h.toString('hex'))).toEqual(want.roots.map((h) => h.toString('hex')));
        const once = sealHashes({ alg: c.alg, chain: c.chain, texts: c.texts, cuts: want.cuts, earlierLeaves });
        expect(once.heads.map((h) => h.toString('hex'))).toEqual(want.heads.map((h) => h.toString('hex')));
      }),
      { numRuns: 200 },
    );
  });

  test('property: a window prepared ahead, in slices, then chained, gives the leaves, heads and roots of the verifier', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const want = reference(c);
        const w = beginPrepared({ alg: c.alg, n: c.texts.length });
        for (let at = 0, k = 0; at < c.texts.length; k++) {
          const size = c.slices[k % c.slices.length];
          addToPrepared(w, c.texts.slice(at, at + size).flatMap((t) => [t, null, null, null]));
          at += size;
        }
        const got = runOverPrepared({ alg: c.alg, chain: c.chain, n: c.texts.length, cuts: want.cuts, earlierLeaves: Buffer.concat(c.earlier) }, w);
        expect(got.leaves.equals(want.leaves)).toBe(true);
        expect(got.heads.map((h) => h.toString('hex'))).toEqual(want.heads.map((h) => h.toString('hex')));
        expect(got.roots.map((h) => h.toString('hex'))).toEqual(want.roots.map((h) => h.toString('hex')));
      }),
      { numRuns: 200 },
    );
  });

  test('a prepared window grows past its first buffer; one not whole, of another length or another hash is refused', () => {
    const texts = Array.from({ length: 300 }, (_, i) => v.canonicalJson({ i, pad: '道'.repeat(400) }));
    const chain = Buffer.alloc(32, 1);
    const w = beginPrepared({ alg: 'sm3', n: texts.length });
    addToPrepared(w, texts.flatMap((t) => [t, null, null, null]));
    const want = sealHashes({ alg: 'sm3', chain, texts, cuts: [299] });
    expect(runOverPrepared({ alg: 'sm3', chain, n: texts.length, cuts: [299] }, w).heads.map((h) => h.toString('hex'))).toEqual(want.heads.map((h) => h.toString('hex')));
    const part = beginPrepared({ alg: 'sha256', n: 2 });
    addToPrepared(part, ['{}', null, null, null]);
    expect(() => runOverPrepared({ alg: 'sha256', chain, n: 2, cuts: [] }, part)).toThrow(/prepared window of 1 of 2/);
    addToPrepared(part, ['{}', null, null, null]);
    expect(() => runOverPrepared({ alg: 'sha256', chain, n: 3, cuts: [] }, part)).toThrow(/a run of 3 events was given a prepared window of 2/);
    expect(() => runOverPrepared({ alg: 'sm3', chain, n: 2, cuts: [] }, part)).toThrow(/prepared for sha256/);
    expect(() => addToPrepared(part, ['{}', null, null, null])).toThrow(/prepared window of 2 events was given 3/);
  });

  test('a run given more events than it was begun with, or ended short of one, or with a checkpoint past its end, is refused', () => {
    const chain = Buffer.alloc(32);
    const over = beginRun({ alg: 'sha256', chain, n: 1, cuts: [] });
    expect(() => addToRun(over, ['{}', '{}'])).toThrow(/a run of 1 events was given 2/);
    const short = beginRun({ alg: 'sha256', chain, n: 2, cuts: [] });
    addToRun(short, ['{}']);
    expect(() => endRun(short)).toThrow(/a run of 2 events ended after 1/);
    expect(() => sealHashes({ alg: 'sha256', chain, texts: ['{}'], cuts: [2] })).toThrow(/checkpoint was asked for after event 2 of a run of 1/);
  });

  test('events given as their store texts and envelope pieces are hashed as their canonical texts; four parts an event', () => {
    const events = Array.from({ length: 30 }, (_, i) => ({
      data: `{"name": "张三", "amountFen": "${i}00", "i": ${i}}`, metadata: `{"commandId": "c${i >> 2}", "actor": {"role": "finance"}}`,
      id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, position: `7.${i}`, recordedAt: '2026-12-03T03:22:44.795Z', revision: String(i), stream: 'payment-"P"', type: 'PaymentExecuted',
    }));
    const texts = events.map((e) => v.canonicalEvent({ ...e, data: JSON.parse(e.data), metadata: JSON.parse(e.metadata) }));
    const chain = Buffer.alloc(32, 7);
    const want = sealHashes({ alg: 'sha256', chain, texts, cuts: [10, 20] });
    const run = beginRun({ alg: 'sha256', chain, n: events.length, cuts: [10, 20] });
    // Mixed as the sealer may give them: some events as finished texts, the rest as parts.
    const parts = events.flatMap((e, i) => {
      if (i % 7 === 3) return [texts[i], null, null, null];
      const { between, after } = eventEnvelope(e);
      return [e.data, between, e.metadata, after];
    });
    addPartsToRun(run, parts.slice(0, 44));
    addPartsToRun(run, parts.slice(44));
    const got = endRun(run);
    expect(got.leaves.equals(want.leaves)).toBe(true);
    expect(got.heads.map((h) => h.toString('hex'))).toEqual(want.heads.map((h) => h.toString('hex')));
    expect(got.roots.map((h) => h.toString('hex'))).toEqual(want.roots.map((h) => h.toString('hex')));
    expect(() => addPartsToRun(beginRun({ alg: 'sha256', chain, n: 1, cuts: [] }), ['{}', null, null])).toThrow(/3 parts: an event is given as four/);
  });
});
