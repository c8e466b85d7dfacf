import { describe, expect, test } from '@jest/globals';
import { untilVisibleToHead, type GlobalPosition } from './event-store.port';

/** A log whose readers see up to `seen`, which moves forward by one on each look. */
const log = (head: bigint, seen: bigint, moves: boolean) => ({
  headPosition: async (): Promise<GlobalPosition | undefined> => ({ commit: head, prepare: 1n }),
  lastPosition: async (): Promise<GlobalPosition | undefined> => ({ commit: moves ? seen++ : seen, prepare: 1n }),
});

describe('untilVisibleToHead', () => {
  test('resolves once readers see the head', async () => {
    const l = log(5n, 1n, true);
    await expect(untilVisibleToHead(l, 5_000)).resolves.toBeUndefined();
    expect((await l.lastPosition())!.commit).toBeGreaterThan(5n);
  });
  test('an empty log needs no wait', async () => {
    await expect(untilVisibleToHead({ headPosition: async () => undefined, lastPosition: async () => undefined }, 10)).resolves.toBeUndefined();
  });
  test('a head held back past the timeout is an error that says so', async () => {
    await expect(untilVisibleToHead(log(5n, 1n, false), 100)).rejects.toThrow(/written up to 5\.1 were still not visible after 100 ms/);
  });
});
