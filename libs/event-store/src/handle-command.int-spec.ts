import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { conflict, type Decider } from '@yuantrace/domain';
import { dropSchema, openTestPg, uniqueSchema } from '../../../test/support/databases';
import type { PgDb } from './db/pg-db';
import type { EventStore } from './event-store.port';
import { handleCommand } from './handle-command';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { StateCache } from './state-cache';

/** A bounded counter: enough to show read → fold → decide → append and its retries. */
type State = { total: number };
type Command = { add: number; limit: number };
type Event = { type: 'Added'; data: { n: number } };
const counter: Decider<State, Command, Event> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.n }),
  decide: (c, s) => {
    if (s.total + c.add > c.limit) throw conflict('limit_reached', 'over the limit');
    return [{ type: 'Added', data: { n: c.add } }];
  },
};
const ctx = (commandId: string) => ({
  commandId,
  correlationId: commandId,
  actor: { principalId: 'tester', role: 'finance' },
  now: new Date('2026-01-01T00:00:00Z'),
});

describe('handleCommand on a PostgreSQL server', () => {
  const schema = uniqueSchema('cmd');
  let db: PgDb;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await openTestPg(schema, 20);
    store = await PostgresEventStore.create(db);
  });
  afterAll(async () => {
    await db.close();
    await dropSchema(schema);
  });

  test('parallel commands on one stream never lose an update and never pass the limit', async () => {
    const cache = new StateCache();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => handleCommand(store, cache, counter, 'project-counter', { add: 1, limit: 25 }, ctx(`c${i}`))),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const events = await store.readStream('project-counter');
    expect(events).toHaveLength(ok);
    expect(ok).toBeLessThanOrEqual(25);
    // Refusals are either the business limit or, after bounded retries, a named 409.
    for (const r of results) {
      if (r.status === 'rejected') expect(['limit_reached', 'concurrent_update']).toContain((r.reason as { code: string }).code);
    }
  });

  test('metadata carries command, correlation, causation, actor and recorded-at; event ids derive from the command', async () => {
    const cache = new StateCache();
    await handleCommand(store, cache, counter, 'project-meta', { add: 2, limit: 10 }, ctx('cmd-meta'));
    // The same command again is a retry: the store de-duplicates it by event id.
    const [e] = await store.readStream('project-meta');
    expect(e.metadata).toEqual({
      commandId: 'cmd-meta',
      correlationId: 'cmd-meta',
      causationId: 'cmd-meta',
      actor: { principalId: 'tester', role: 'finance' },
      recordedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  test('on warm state a command only appends; a stream moved behind the cache is re-read from the cached revision', async () => {
    const reads: Array<bigint | undefined> = [];
    const observed = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'readStream') {
          return (stream: string, o?: { fromRevision?: bigint }) => {
            reads.push(o?.fromRevision);
            return target.readStream(stream, o);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as EventStore;
    const cache = new StateCache();
    for (let i = 0; i < 5; i++) await handleCommand(observed, cache, counter, 'project-cached', { add: 1, limit: 100 }, ctx(`k${i}`));
    // No command reads: the first takes the unseen stream as new, the others decide on the cached state.
    expect(reads).toEqual([]);
    // Another writer appends behind the cache's back: the append conflicts, and the re-read starts after the cached revision.
    await handleCommand(store, new StateCache(), counter, 'project-cached', { add: 10, limit: 100 }, ctx('other'));
    const r = await handleCommand(observed, cache, counter, 'project-cached', { add: 1, limit: 100 }, ctx('k5'));
    expect(r.state.total).toBe(16);
    expect(reads).toEqual([5n]);
  });
});
