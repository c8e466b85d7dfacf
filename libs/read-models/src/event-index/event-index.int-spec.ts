import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { PgliteDb, PostgresEventStore, untilVisibleToHead, type Db, type NewEvent } from '@yuantrace/event-store';
import { ProjectionRunner, type Projection } from '@yuantrace/projections';
import { dropSchema, openTestPg, uniqueSchema } from '../../../../test/support/databases';
import { eventIndexProjection } from './event-index.projection';

/**
 * The event index made where the log lies (applyInDatabase, one statement a window) must hold
 * exactly the rows apply() makes from the events read out: the same store, rebuilt both ways.
 */
type Spec = { stream: string; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> };

const ROWS = `select commit_position::text, prepare_position::text, event_id::text, stream_id, revision::text, stream_kind, type, actor, unit_code,
  effective_date::text, recorded_at::text from rm_event_index order by commit_position, prepare_position`;
const UNITS = 'select stream_id, unit_code from rm_event_stream_units order by stream_id';

/** A projection that fails if the runner gives it events: the in-database path must be the one taken. */
const inDatabaseOnly: Projection = { ...eventIndexProjection, apply: () => Promise.reject(new Error('apply() was called')) };

/** The events the checkpoint says were applied: applyInDatabase's count, or apply()'s. */
const appliedCount = async (db: Db) =>
  Number((await db.query<{ n: string }>(`select events_applied::text as n from projection_checkpoints where name = 'event_index'`)).rows[0].n);

async function bothWays(db: Db, store: PostgresEventStore, batchSize: number) {
  await new ProjectionRunner(store, db, [inDatabaseOnly], { batchSize, deferIndexesAfter: 1e9 }).rebuild('event_index');
  const inDatabase = { rows: (await db.query(ROWS)).rows, units: (await db.query(UNITS)).rows };
  const sql = await appliedCount(db);
  await new ProjectionRunner(store, db, [eventIndexProjection], { batchSize, deferIndexesAfter: 1e9, applyInDatabase: false }).rebuild('event_index');
  const readOut = { rows: (await db.query(ROWS)).rows, units: (await db.query(UNITS)).rows };
  return { inDatabase, readOut, counts: [sql, await appliedCount(db)] };
}

const event = (s: Spec): NewEvent => ({ id: randomUUID(), type: s.type, data: s.data, metadata: s.metadata });

async function append(store: PostgresEventStore, specs: readonly Spec[]): Promise<void> {
  // One append per event, so streams interleave in the log as they were given.
  for (const s of specs) await store.appendToStream(s.stream, [event(s)]);
  // A transaction still running elsewhere in the database (another test file's) holds back what a pass reads.
  await untilVisibleToHead(store);
}

const clerk = { actor: { principalId: 'clerk-1', role: 'finance' } };
/** Streams placed late, twice in one window, not at all; dates good, bad and absent; actors odd; an id with dashes. */
const EDGES: Spec[] = [
  { stream: 'payment-p1', type: 'PaymentApproved', data: { paymentId: 'p1', effectiveDate: '2016-05-02' }, metadata: clerk },
  { stream: 'payment-p1', type: 'PaymentRequested', data: { paymentId: 'p1', unitCode: 'U1', effectiveDate: '2016-05-01' }, metadata: clerk },
  { stream: 'payment-p1', type: 'PaymentRequested', data: { paymentId: 'p1', unitCode: 'U9', date: '2016-05-03' }, metadata: {} },
  { stream: 'household-h1', type: 'HouseholdRegistered', data: { unitCode: '', registeredOn: '2015-10-01' }, metadata: { actor: 'cadre' } },
  { stream: 'household-h1', type: 'HouseholdStatusChanged', data: { effectiveDate: 20160101 }, metadata: { actor: { principalId: 7 } } },
  { stream: 'household-h1', type: 'RosterPersonRecorded', data: { unitCode: 42 }, metadata: clerk },
  { stream: 'fundbatch-x', type: 'FundsHeld', data: { request: { unitCode: 'U3' }, effectiveDate: 'not a date' }, metadata: clerk },
  { stream: 'fundbatch-y', type: 'FundsHeld', data: { effectiveDate: '2016-13-99x' }, metadata: clerk },
  { stream: 'adminunit-U4', type: 'AdminUnitRegistered', data: { code: 'U4' }, metadata: clerk },
  { stream: 'case-c1', type: 'CaseOpened', data: { subjectUnitCode: 'U5', date: '2017-01-01' }, metadata: clerk },
  { stream: 'payment-a-b-c', type: 'FundBatchIssued', data: { recipientUnitCode: 'U6', effectiveDate: '2016-02-01' }, metadata: clerk },
  { stream: 'household-h1', type: 'HouseholdRegistered', data: { unitCode: 'U7' }, metadata: clerk },
  { stream: 'household-h1', type: 'HouseholdRegistered', data: { unitCode: 'U8' }, metadata: clerk },
  { stream: 'project-q', type: 'ProjectProposed', data: { unitCode: 'U1' }, metadata: clerk },
  { stream: 'project-q', type: 'ProjectMilestoneRecorded', data: { effectiveDate: '2018-06-30' }, metadata: clerk },
];

describe('event index made where the log lies', () => {
  describe('on a PostgreSQL server', () => {
    const schema = uniqueSchema('evidx');
    let db: Awaited<ReturnType<typeof openTestPg>>;
    let store: PostgresEventStore;
    beforeAll(async () => {
      db = await openTestPg(schema);
      store = await PostgresEventStore.create(db);
      await append(store, EDGES);
    });
    afterAll(async () => {
      await db.close();
      await dropSchema(schema);
    });

    test.each([1, 3, 100])('windows of %i: the same rows and stream units as apply() makes, and every event counted', async (batchSize) => {
      const { inDatabase, readOut, counts } = await bothWays(db, store, batchSize);
      expect(inDatabase).toEqual(readOut);
      expect(counts).toEqual([EDGES.length, EDGES.length]);
      // What the rows say, so that both paths cannot agree on something wrong.
      const byStream = (stream: string) => readOut.rows.filter((r) => r.stream_id === stream).map((r) => [r.unit_code, r.effective_date, r.actor, r.stream_kind]);
      expect(byStream('payment-p1')).toEqual([[null, '2016-05-02', 'clerk-1', 'payment'], ['U1', '2016-05-01', 'clerk-1', 'payment'], ['U1', '2016-05-03', null, 'payment']]);
      expect(byStream('household-h1').map((r) => r[0])).toEqual([null, null, null, 'U7', 'U7']);
      expect(byStream('fundbatch-y')[0][0]).toBeNull();
      expect(byStream('payment-a-b-c')[0][3]).toBe('payment');
      expect(readOut.units).toEqual([{ stream_id: 'adminunit-U4', unit_code: 'U4' }, { stream_id: 'case-c1', unit_code: 'U5' }, { stream_id: 'fundbatch-x', unit_code: 'U3' },
        { stream_id: 'household-h1', unit_code: 'U7' }, { stream_id: 'payment-a-b-c', unit_code: 'U6' }, { stream_id: 'payment-p1', unit_code: 'U1' },
        { stream_id: 'project-q', unit_code: 'U1' }]);
    });

    test('property: for any interleaving of events and any window size, the two paths agree', async () => {
      const streams = ['payment-a', 'payment-b', 'household-c', 'case-d', 'fundbatch-e-1'];
      const types = ['PaymentRequested', 'PaymentApproved', 'HouseholdRegistered', 'FundsHeld', 'AdminUnitRegistered', 'CaseOpened', 'HouseholdStatusChanged'];
      const value = fc.oneof(fc.constantFrom('U1', 'U2', '', '2016-02-29', '2016-1-1', 'x'), fc.integer(), fc.boolean(), fc.constant(null),
        fc.constant(['U1']), fc.constant({ unitCode: 'U1' }));
      const spec = fc.record({
        stream: fc.constantFrom(...streams),
        type: fc.constantFrom(...types),
        data: fc.record({ unitCode: value, code: value, subjectUnitCode: value, request: fc.oneof(fc.record({ unitCode: value }), value), effectiveDate: value, date: value,
          registeredOn: value }, { requiredKeys: [] }),
        metadata: fc.oneof(fc.constant(clerk), fc.constant({}), fc.record({ actor: fc.oneof(fc.record({ principalId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
          fc.string(), fc.constant(null)) })),
      });
      await fc.assert(fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (specs, batchSize) => {
        const own = uniqueSchema('evidxp');
        const pdb = await openTestPg(own, 3);
        try {
          const pstore = await PostgresEventStore.create(pdb);
          await append(pstore, specs);
          const { inDatabase, readOut } = await bothWays(pdb, pstore, batchSize);
          expect(inDatabase).toEqual(readOut);
        } finally {
          await pdb.close();
          await dropSchema(own);
        }
      // Each run sets up a schema of its own: a failure is reported as found, not shrunk through many more.
      }), { numRuns: 12, endOnFailure: true });
    }, 120_000);
  });

  test('on embedded PGlite: the same rows both ways', async () => {
    const db = await PgliteDb.open(undefined);
    try {
      const store = await PostgresEventStore.create(db);
      await append(store, EDGES);
      const { inDatabase, readOut } = await bothWays(db, store, 4);
      expect(inDatabase).toEqual(readOut);
      expect(readOut.rows).toHaveLength(EDGES.length);
    } finally {
      await db.close();
    }
  });
});
