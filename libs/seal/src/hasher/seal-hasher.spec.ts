import { afterAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { SealHasher } from './seal-hasher';
import { sealHashes } from './seal-hashes';
import { eventEnvelope } from './canonical-text';
import * as v from '../verifier/yuantrace-verify';

/**
 * The hashing thread gives what hashing in place gives, however the run is sliced; a run that
 * fails there is rejected with the reason and the thread serves the next one; an abandoned run
 * leaves nothing waiting.
 */
const texts = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ amount: `${i}.00`, name: '张三'.repeat(i % 5), i }));
const chain = createHash('sha256').update('start').digest();
const cuts = [3, 400, 800];
const earlierLeaves = Buffer.concat([createHash('sha256').update('a').digest(), createHash('sha256').update('b').digest()]);

const hashers: SealHasher[] = [];
/** A hasher whose thread is up, so that long runs go to it (until then they are hashed in place). */
const hasher = async (options: ConstructorParameters<typeof SealHasher>[0]) => {
  const h = new SealHasher(options);
  hashers.push(h);
  if (options?.threadFromEvents !== Infinity) await h.started();
  return h;
};
afterAll(async () => {
  for (const h of hashers) await h.close();
});

const onHasher = async (h: SealHasher, n = texts.length, spec = { cuts, earlierLeaves }) => {
  const run = h.begin({ alg: 'sha256', chain, n, ...spec });
  for (const t of texts.slice(0, n)) run.add(t);
  return run.end();
};
/** Waits (up to 10 s: a loaded machine starts threads slowly) until the hasher has no thread. */
async function stopped(h: SealHasher): Promise<void> {
  for (let i = 0; i < 200 && (h as unknown as { worker?: unknown }).worker !== undefined; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect((h as unknown as { worker?: unknown }).worker).toBeUndefined();
}

const hex = (x: { leaves: Buffer; heads: Buffer[]; roots: Buffer[] }) => ({
  leaves: x.leaves.toString('hex'), heads: x.heads.map((b) => b.toString('hex')), roots: x.roots.map((b) => b.toString('hex')),
});

describe('the hashing thread', () => {
  test('gives the leaves, heads and roots of hashing in place, in slices of any size', async () => {
    const inPlace = hex(sealHashes({ alg: 'sha256', chain, texts, cuts, earlierLeaves }));
    expect(hex(await onHasher(await hasher({ threadFromEvents: Infinity })))).toEqual(inPlace);
    for (const sliceEvents of [1, 7, 500, 5000]) {
      expect(hex(await onHasher(await hasher({ threadFromEvents: 1, sliceEvents })))).toEqual(inPlace);
    }
  });

  test('runs given at once are answered each with its own hashes', async () => {
    const h = await hasher({ threadFromEvents: 1, sliceEvents: 50 });
    const [a, b] = await Promise.all([onHasher(h, 1000), onHasher(h, 10, { cuts: [5], earlierLeaves: Buffer.alloc(0) })]);
    expect(hex(a)).toEqual(hex(sealHashes({ alg: 'sha256', chain, texts, cuts, earlierLeaves })));
    expect(hex(b)).toEqual(hex(sealHashes({ alg: 'sha256', chain, texts: texts.slice(0, 10), cuts: [5], earlierLeaves: Buffer.alloc(0) })));
  });

  test('a run that fails on the thread is rejected with the reason, and the thread hashes the next', async () => {
    const h = await hasher({ threadFromEvents: 1, sliceEvents: 10 });
    const run = h.begin({ alg: 'sha256', chain, n: 5, cuts: [] });
    for (const t of texts.slice(0, 6)) run.add(t);
    await expect(run.end()).rejects.toThrow(/the seal's hashing thread: a run of 5 events was given 6/);
    expect(hex(await onHasher(h))).toEqual(hex(sealHashes({ alg: 'sha256', chain, texts, cuts, earlierLeaves })));
  });

  test('while the thread starts, long runs are hashed in place: a short catch-up never waits for it', async () => {
    const h = new SealHasher({ threadFromEvents: 1, sliceEvents: 10 });
    hashers.push(h);
    // Refused in place (a thrown error names no thread), though the run is long enough for the thread.
    const run = h.begin({ alg: 'sha256', chain, n: 5, cuts: [] });
    for (const t of texts.slice(0, 6)) run.add(t);
    await expect(run.end()).rejects.toThrow(/^a run of 5 events was given 6/);
    await h.started();
    const next = h.begin({ alg: 'sha256', chain, n: 5, cuts: [] });
    for (const t of texts.slice(0, 6)) next.add(t);
    await expect(next.end()).rejects.toThrow(/^the seal's hashing thread: a run of 5 events was given 6/);
  });

  test('a thread that gives no answer in time is stopped and its run rejected; the next long run starts another', async () => {
    // A run handed over whole at its end (one slice), long enough that hashing it takes the thread far more
    // than 1 ms: with the texts sent slice by slice as they came, the thread could answer within the 1 ms.
    const h = await hasher({ threadFromEvents: 1, answerWithinMs: 1, sliceEvents: 1_000_000 });
    const many = Array.from({ length: 50_000 }, (_, i) => texts[i % texts.length]);
    const long = h.begin({ alg: 'sha256', chain, n: many.length, cuts: [] });
    for (const t of many) long.add(t);
    await expect(long.end()).rejects.toThrow(/gave no answer within 1 ms; it was stopped/);
    await stopped(h);
    const run = h.begin({ alg: 'sha256', chain, n: 10, cuts: [] }); // hashed in place while a new thread starts
    for (const t of texts.slice(0, 10)) run.add(t);
    expect(hex(await run.end())).toEqual(hex(sealHashes({ alg: 'sha256', chain, texts: texts.slice(0, 10), cuts: [] })));
  });

  test('an abandoned run is forgotten: nothing waits, and the thread, idle, stops by itself', async () => {
    const h = await hasher({ threadFromEvents: 1, idleMs: 50 });
    const run = h.begin({ alg: 'sha256', chain, n: 10, cuts: [] });
    run.add(texts[0]);
    run.abandon();
    await onHasher(h, 10, { cuts: [], earlierLeaves: Buffer.alloc(0) });
    const worker = (h as unknown as { worker?: { threadId: number } }).worker;
    expect(worker).toBeDefined();
    await stopped(h);
  });

  test('events given as store texts have their canonical form written on the thread, as in place; a text that is not JSON fails its run there', async () => {
    const events = texts.slice(0, 600).map((data, i) => ({ data: data.replace(/,/g, ', '), metadata: `{"commandId": "c${i >> 1}"}`, id: `e${i}`, position: `1.${i}`,
      recordedAt: '2026-12-03T03:22:44.795Z', revision: String(i), stream: `s-${i % 9}`, type: 'T' }));
    const canonical = events.map((e) => v.canonicalEvent({ ...e, data: JSON.parse(e.data), metadata: JSON.parse(e.metadata) }));
    const want = hex(sealHashes({ alg: 'sha256', chain, texts: canonical, cuts: [3, 400], earlierLeaves }));
    const give = (h: SealHasher, broken?: number) => {
      const run = h.begin({ alg: 'sha256', chain, n: events.length, cuts: [3, 400], earlierLeaves });
      events.forEach((e, i) => {
        const { between, after } = eventEnvelope(e);
        run.addTexts(i === broken ? '{"a": ' : e.data, between, e.metadata, after);
      });
      return run.end();
    };
    expect(hex(await give(await hasher({ threadFromEvents: Infinity })))).toEqual(want);
    const h = await hasher({ threadFromEvents: 1, sliceEvents: 64 });
    expect(hex(await give(h))).toEqual(want);
    await expect(give(h, 321)).rejects.toThrow(/^the seal's hashing thread: .*JSON/);
    expect(hex(await give(h))).toEqual(want);
  });

  test('a window prepared ahead is chained on the thread as a run given its events would be; a broken text fails that run; the oldest of three is dropped', async () => {
    const want = hex(sealHashes({ alg: 'sha256', chain, texts, cuts, earlierLeaves }));
    const spec = { alg: 'sha256' as const, chain, n: texts.length, cuts, earlierLeaves };
    const h = await hasher({ threadFromEvents: 100, sliceEvents: 64 });
    const prepare = (broken?: number) => {
      const w = h.prepare('sha256', texts.length)!;
      texts.forEach((t, i) => (i === broken ? w.addTexts('{"a": ', ',"id":"x","metadata":', '{}', '}') : w.add(t)));
      w.finish();
      return w;
    };
    expect(hex(await h.runPrepared(prepare(), spec)!)).toEqual(want);
    // Not for short windows; not for another length or hash; not twice.
    expect(h.prepare('sha256', 99)).toBeUndefined();
    const w = prepare();
    expect(h.runPrepared(w, { ...spec, n: texts.length - 1 })).toBeUndefined();
    expect(h.runPrepared(w, { ...spec, alg: 'sm3' })).toBeUndefined();
    expect(hex(await h.runPrepared(w, spec)!)).toEqual(want);
    expect(h.runPrepared(w, spec)).toBeUndefined();
    await expect(h.runPrepared(prepare(7), spec)!).rejects.toThrow(/^the seal's hashing thread: .*JSON/);
    const [a, b, c] = [prepare(), prepare(), prepare()];
    expect(h.runPrepared(a, spec)).toBeUndefined();
    expect(hex(await h.runPrepared(b, spec)!)).toEqual(want);
    expect(hex(await h.runPrepared(c, spec)!)).toEqual(want);
    // A window the thread cannot even begin (far too long to hold) fails its run only; the thread serves on.
    const huge = h.prepare('sha256', 1e12)!;
    huge.finish();
    await expect(h.runPrepared(huge, { ...spec, n: 1e12 })!).rejects.toThrow(/^the seal's hashing thread: /);
    expect(hex(await h.runPrepared(prepare(), spec)!)).toEqual(want);
    // A thread stopped since forgets what it held.
    const d = prepare();
    await h.close();
    expect(h.runPrepared(d, spec)).toBeUndefined();
    const starting = new SealHasher({ threadFromEvents: 1 });
    hashers.push(starting);
    expect(starting.prepare('sha256', 10)).toBeUndefined(); // its thread not up yet
  });
});
