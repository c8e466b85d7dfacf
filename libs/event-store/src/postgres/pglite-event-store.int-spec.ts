import { expect, test } from '@jest/globals';
import { describeEventStoreContract, newEvent } from '../contract/event-store-contract';
import { PgliteDb } from '../db/pglite-db';
import { PostgresEventStore } from './postgres-event-store';

/**
 * The contract on embedded PGlite. PGlite has a single connection that it holds for the length
 * of a transaction, so two transactions are never open together: the two-writer and gap cases
 * cannot arise here (the test below shows appends serialise instead).
 */
describeEventStoreContract('embedded PGlite', async () => {
  const db = await PgliteDb.open(undefined);
  const store = await PostgresEventStore.create(db);
  return {
    store,
    concurrentWriters: false,
    eventIdsUniqueAcrossStreams: true,
    jumpPositionsBeyondSafeInteger: async () => {
      await db.query(`select setval('events_global_position_seq', 9007199254740993)`);
    },
    cleanup: async () => {
      await store.close();
      await db.close();
    },
  };
});

test('embedded PGlite serialises concurrent appends: one wins at a revision, none interleave', async () => {
  const db = await PgliteDb.open(undefined);
  const store = await PostgresEventStore.create(db);
  try {
    await store.appendToStream('project-p1', [newEvent()], { expectedRevision: 'no_stream' });
    const results = await Promise.allSettled([
      store.appendToStream('project-p1', [newEvent(), newEvent()], { expectedRevision: 0n }),
      store.appendToStream('project-p1', [newEvent(), newEvent()], { expectedRevision: 0n }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const read = await store.readStream('project-p1');
    expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
  } finally {
    await db.close();
  }
});

test('embedded PGlite keeps its events in files under the data folder across a restart', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'yuantrace-pglite-'));
  try {
    const db = await PgliteDb.open(dir);
    const store = await PostgresEventStore.create(db);
    const e = newEvent('Kept');
    await store.appendToStream('project-keep', [e]);
    await db.close();
    const db2 = await PgliteDb.open(dir);
    const store2 = await PostgresEventStore.create(db2);
    expect((await store2.readStream('project-keep')).map((x) => x.id)).toEqual([e.id]);
    await db2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
