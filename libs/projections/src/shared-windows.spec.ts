import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { GlobalPosition, ReadWindow, RecordedEvent } from '@yuantrace/event-store';
import { SharedWindows } from './projection-runner';

/** An in-memory log of typed events read in windows of `span`: a simulator of the store's readWindow, counting its reads. */
function logSimulator(types: readonly string[], span: number) {
  const events = types.map((type, i) => ({ type, position: { commit: BigInt(i + 1), prepare: BigInt(i + 1) } }) as unknown as RecordedEvent);
  const reads: bigint[] = [];
  const read = async (after: GlobalPosition): Promise<ReadWindow> => {
    reads.push(after.commit);
    await new Promise((r) => setImmediate(r));
    const from = Number(after.commit);
    const slice = events.slice(from, from + span);
    return { events: slice, to: slice.at(-1)?.position, spanned: slice.length };
  };
  return { events, reads, read };
}

const START = { commit: 0n, prepare: 0n };
const pause = (turns: number) => Array.from({ length: turns }).reduce<Promise<void>>((p) => p.then(() => new Promise((r) => setImmediate(r))), Promise.resolve());

describe('SharedWindows: one read of the log for every lane of a pass', () => {
  test('every lane takes every window in order, once, with its own types; each window is read once; the lanes stay within reach of each other', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('A', 'B', 'C'), { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.record({ types: fc.option(fc.subarray(['A', 'B', 'C']), { nil: undefined }), pace: fc.array(fc.nat(4), { minLength: 1, maxLength: 8 }) }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (log, span, lanes, ahead) => {
          const sim = logSimulator(log, span);
          const shared = new SharedWindows(sim.read, START, lanes.length, ahead);
          let mostHeld = 0;
          const got = await Promise.all(lanes.map(async (lane, i) => {
            const types = lane.types && new Set(lane.types);
            const seen: RecordedEvent[] = [];
            let windows = 0;
            try {
              for (;;) {
                const w = await shared.take(i, types);
                mostHeld = Math.max(mostHeld, shared.holding);
                if (!w.to) break;
                seen.push(...w.events);
                await pause(lane.pace[windows++ % lane.pace.length]);
              }
            } finally {
              shared.leave(i);
            }
            return seen;
          }));
          for (const [i, lane] of lanes.entries()) expect(got[i]).toEqual(sim.events.filter((e) => !lane.types || lane.types.includes(e.type)));
          // Each window once, in order, and the empty one after the last.
          const windows = Math.ceil(log.length / span);
          expect(sim.reads).toEqual(Array.from({ length: windows + 1 }, (_, k) => BigInt(Math.min(k * span, log.length))));
          // The fastest lane waits for the slowest: the windows held never exceed what `ahead` allows, plus the one being read.
          expect(mostHeld).toBeLessThanOrEqual(ahead + 2);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a lane that leaves early, done or failed, does not hold the others back', async () => {
    const sim = logSimulator(Array.from({ length: 40 }, () => 'A'), 4);
    const shared = new SharedWindows(sim.read, START, 2, 1);
    await shared.take(0, undefined);
    shared.leave(0); // lane 0 failed after its first window
    let taken = 0;
    for (;;) {
      const w = await shared.take(1, undefined);
      if (!w.to) break;
      taken += w.events.length;
    }
    expect(taken).toBe(40);
  });

  test('a take waiting ahead of the slowest lane ends when its own lane leaves, and the lane stays gone', async () => {
    const sim = logSimulator(Array.from({ length: 40 }, () => 'A'), 4);
    const shared = new SharedWindows(sim.read, START, 2, 1);
    await shared.take(0, undefined);
    const waiting = shared.take(0, undefined); // one ahead of lane 1, which has taken nothing: it waits
    shared.leave(0);
    await expect(waiting).rejects.toThrow('lane 0 has left the pass');
    // Lane 1 is not held back by lane 0, and reads go no further than lane 1 asks.
    for (let k = 0; k < 3; k++) await shared.take(1, undefined);
    expect(sim.reads).toEqual([0n, 4n, 8n]);
  });

  test('a failed read reaches every lane that takes that window', async () => {
    let calls = 0;
    const shared = new SharedWindows(async () => {
      if (++calls === 2) throw new Error('the log could not be read');
      return { events: [], to: { commit: BigInt(calls), prepare: 0n }, spanned: 1 };
    }, START, 2);
    await shared.take(0, undefined);
    await shared.take(1, undefined);
    await expect(shared.take(0, undefined)).rejects.toThrow('the log could not be read');
    await expect(shared.take(1, undefined)).rejects.toThrow('the log could not be read');
  });
});
