import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PostgresEventStore, type Db, type RecordedEvent } from '@yuantrace/event-store';
import { newEvent, waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { openTestPglite } from '../../../test/support/databases';

/** A paced subscriber on the embedded store: what the sealer relies on to stay off the commands' path. */
describe('a paced subscription (embedded store)', () => {
  let db: Db;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await openTestPglite();
    store = await PostgresEventStore.create(db);
  });
  afterAll(async () => {
    await db.close();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('after a partial batch it waits its pace, whatever is appended meanwhile, and then takes what came as one batch', async () => {
    const pace = 300;
    const calls: { start: number; end: number; events: number }[] = [];
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll(async (events) => {
      const start = Date.now();
      seen.push(...events);
      calls.push({ start, end: Date.now(), events: events.length });
    }, { after: await store.headPosition(), maxCount: 1000, idleMs: 50, paceMs: pace });
    try {
      await store.appendToStream('project-pace-a', [newEvent('Tick', { i: 0 })]);
      await waitFor(() => seen.length === 1);
      const began = Date.now();
      for (let i = 1; i <= 8; i++) {
        await store.appendToStream('project-pace-a', [newEvent('Tick', { i })], { expectedRevision: BigInt(i - 1) });
        await sleep(15);
      }
      const appending = Date.now() - began;
      await waitFor(() => seen.length === 9);
      expect(seen.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      // Every batch but the first began at least a pace after the one before it ended.
      for (let k = 1; k < calls.length; k++) expect(calls[k].start - calls[k - 1].end).toBeGreaterThanOrEqual(pace - 5);
      // Eight appends 15 ms apart (each waking it) came in one batch per pace they spanned, not one each.
      expect(calls.length - 1).toBeLessThanOrEqual(Math.ceil(appending / pace) + 1);
      expect(calls.length - 1).toBeLessThan(8);
    } finally {
      await sub.stop();
    }
  });

  test('hurry() cuts the pace short, and stop() does not wait for it', async () => {
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll(async (events) => {
      seen.push(...events);
    }, { after: await store.headPosition(), maxCount: 1000, idleMs: 50, paceMs: 600_000 });
    await store.appendToStream('project-pace-b', [newEvent('Tick', { i: 0 })]);
    await waitFor(() => seen.length === 1);
    await store.appendToStream('project-pace-b', [newEvent('Tick', { i: 1 })], { expectedRevision: 0n });
    // Paced for ten minutes: without hurry() this would not be seen within waitFor's ten seconds.
    await sleep(100);
    expect(seen).toHaveLength(1);
    sub.hurry!();
    await waitFor(() => seen.length === 2);
    await store.appendToStream('project-pace-b', [newEvent('Tick', { i: 2 })], { expectedRevision: 1n });
    await sub.stop();
    await sub.done;
  });
});
