import { afterAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { comparePositions, PostgresEventStore, START, type PgDb } from '@yuantrace/event-store';
import { ProjectionRunner, type Projection } from '@yuantrace/projections';
import { dropSchema, openTestPg, uniqueSchema } from '../../../../test/support/databases';
import { readModelProjections, verifyReadModels } from '../index';
import { checkBooks } from './check-books';
import {
  allocationToBatch, allocationToProject, approved, CHILD, executed, failed, held, issueRoot, PAID, PENDING, PROJECT, projectCommitted, rejected, requested,
  smallLedger, type LedgerEvent, type PaymentSpec,
} from './testing/small-ledger';

/**
 * The books checks against a real PostgreSQL: a correct ledger written through the event store
 * verifies clean; then each broken book seen when two writers raced is made by hand — event rows
 * inserted straight into the events table, past every decider, or a postings row altered — and
 * verify must name exactly that defect and what it is about.
 */
const schemas: string[] = [];
const dbs: PgDb[] = [];

afterAll(async () => {
  for (const db of dbs) await db.close();
  for (const s of schemas) await dropSchema(s);
});

async function correctLedger(projections: Projection[] = readModelProjections()) {
  const schema = uniqueSchema('books');
  schemas.push(schema);
  const db = await openTestPg(schema, 4);
  dbs.push(db);
  const store = await PostgresEventStore.create(db);
  for (const e of smallLedger()) await store.appendToStream(e.stream, [{ id: randomUUID(), type: e.type, data: e.data, metadata: { correlationId: 'books-test' } }]);
  const runner = new ProjectionRunner(store, db, projections);
  await runner.setup();
  await visible(store);
  await runner.catchUpTogether();
  return { db, store, runner, projections };
}

/**
 * Readers see an event only once every older transaction in the database has ended, and other
 * test files write to it at the same time: wait until everything committed is visible.
 */
async function visible(store: PostgresEventStore) {
  const head = await store.headPosition();
  for (let i = 0; i < 500 && head && comparePositions((await store.lastPosition()) ?? START, head) < 0; i++) await new Promise((r) => setTimeout(r, 20));
}

type Ledger = Awaited<ReturnType<typeof correctLedger>>;

/** Writes events as a racing writer's bug would: straight into the table, no decider, no expected revision. */
async function insertRaw(l: Ledger, ...events: LedgerEvent[]) {
  for (const e of events) {
    await l.db.query(
      `insert into events (stream_id, stream_revision, event_id, event_type, data, metadata)
       values ($1, coalesce((select max(stream_revision) + 1 from events where stream_id = $1), 0), $2::uuid, $3, $4::jsonb, '{"correlationId":"raw"}'::jsonb)`,
      [e.stream, randomUUID(), e.type, JSON.stringify(e.data)]);
  }
  await visible(l.store);
  // The read models follow the log, so verify finds them equal to a rebuild and only the books at fault.
  await l.runner.catchUpTogether();
}

const verify = (l: Ledger) => verifyReadModels(l.store, l.db, l.projections);
const named = (defects: Array<{ code: string; subject: string }>) => [...new Set(defects.map((d) => `${d.code} ${d.subject}`))].sort();

describe('verify checks the books against an independent fold of the log (PostgreSQL)', () => {
  test('a correct ledger has no defect, and the report keeps its other fields', async () => {
    const l = await correctLedger();
    const report = await verify(l);
    expect(report).toMatchObject({ ok: true, differences: [], conservation: [], defects: [], lagging: [] });
    expect(report.eventsReplayed).toBe(smallLedger().length);
    expect(await checkBooks(l.store, l.db)).toEqual([]);
  });

  const seven: PaymentSpec = { paymentId: 'PAY7', amountFen: 1000n };
  const onL1: PaymentSpec = { paymentId: 'PAY6', amountFen: 250_000n };
  const onL7: PaymentSpec = { paymentId: 'PAY5', amountFen: 150_000n, allocationId: 'L7' };
  const advance: PaymentSpec = { paymentId: 'PAY10', amountFen: 160_000n, installment: 'advance' };
  const overspend: PaymentSpec = { paymentId: 'PAY7', amountFen: 280_000n };
  const cases: Array<[string, LedgerEvent[], string]> = [
    ['an allocation to a child batch that was never issued', [allocationToBatch('R1', 'A9', 'C9', 1000n)], 'orphan_allocation allocation:R1:A9'],
    ['an allocation to a project whose stream does not record it', [allocationToProject(CHILD, 'L9', PROJECT, 1000n)], 'orphan_allocation allocation:C1:L9'],
    ['a hold for a payment never requested', [held(seven)], 'orphan_hold payment:PAY7'],
    ['a payment requested with nothing held for it', [requested(seven)], 'payment_without_hold payment:PAY7'],
    ['a payment executed while its hold is still held', [approved(PENDING), executed(PENDING)], 'hold_state_mismatch payment:PAY4'],
    ['a line held beyond what it committed (270 000 fen left, 280 000 held)', [held(overspend), requested(overspend)], 'overspent_allocation line:C1:L1'],
    ['a batch committing more than its free balance (205 000 fen left, 210 000 committed)',
      [allocationToProject(CHILD, 'L8', PROJECT, 210_000n), projectCommitted(CHILD, 'L8', PROJECT, 210_000n)], 'negative_balance batch:C1'],
    ['two lines each within their amount but together beyond the budget (520 000 of 500 000 fen)',
      [allocationToProject(CHILD, 'L7', PROJECT, 200_000n), projectCommitted(CHILD, 'L7', PROJECT, 200_000n), held(onL1), requested(onL1), held(onL7), requested(onL7)],
      'budget_exceeded project:P1'],
    ['an advance beyond the 30% its rule allowed (160 000 of a 150 000 fen cap)', [held(advance), requested(advance)], 'advance_cap_exceeded project:P1'],
    ['a payment both approved and rejected', [rejected(PAID)], 'conflicting_decisions payment:PAY1'],
    ['a payment both executed and failed', [failed(PAID)], 'conflicting_decisions payment:PAY1'],
  ];

  test.each(cases)('%s', async (_what, broken, defect) => {
    const l = await correctLedger();
    await insertRaw(l, ...broken);
    const report = await verify(l);
    expect(report.ok).toBe(false);
    expect(report.differences).toEqual([]);
    expect(named(report.defects)).toEqual([defect]);
  });

  test('money returned to another appropriation leaves both roots unbalanced', async () => {
    const l = await correctLedger();
    await insertRaw(l, issueRoot('R2', 50_000n), { stream: `fundbatch-${CHILD}`, type: 'FundsReturned',
      data: { batchId: CHILD, returnId: 'RET-9', amountFen: '700', reason: 'wrong parent', effectiveDate: '2016-06-01', toBatchId: 'R2', allocationId: 'A1' } });
    expect(named((await verify(l)).defects)).toEqual(['root_unbalanced root:R1', 'root_unbalanced root:R2']);
  });

  test('a postings leg altered by hand: its event and both accounts disagree with the fold', async () => {
    const l = await correctLedger();
    await l.db.query(`update postings set amount_fen = amount_fen + 1 where payment_id = 'PAY1' and event_type = 'HoldPosted'`);
    const id = (await l.db.query<{ id: string }>(`select event_id::text as id from postings where payment_id = 'PAY1' and event_type = 'HoldPosted'`)).rows[0].id;
    const report = await verify(l);
    expect(report.ok).toBe(false);
    expect(named(report.defects)).toEqual(['account_mismatch hold:C1:L1', 'account_mismatch payee:contractor:K1', `event_legs_mismatch event:${id}`]);
    expect(report.defects.find((d) => d.subject === 'payee:contractor:K1')!.message).toBe('postings give payee:contractor:K1 a balance of 100001 fen, the log 100000 fen');
  });

  test('a postings leg deleted: the allocation to the child batch is missing from both batches', async () => {
    const l = await correctLedger();
    const id = (await l.db.query<{ id: string }>(`select event_id::text as id from postings where to_account = 'batch:C1' and event_type = 'FundsAllocated'`)).rows[0].id;
    await l.db.query('delete from postings where event_id = $1::uuid', [id]);
    expect(named((await verify(l)).defects)).toEqual(['account_mismatch batch:C1', 'account_mismatch batch:R1', `event_legs_mismatch event:${id}`]);
  });

  test('a postings leg with no event in the log is counted', async () => {
    const l = await correctLedger();
    // A forged row: an event id and a position the log never had.
    await l.db.query(`insert into postings select gen_random_uuid(), leg, commit_position, prepare_position + 1000000, event_type, from_account, to_account, from_unit, to_unit,
      amount_fen, root_batch_id, source, fiscal_year, batch_id, allocation_id, project_id, payment_id, payee_type, payee_id, payee_name, effective_date, recorded_at
      from postings where payment_id = 'PAY1' and event_type = 'HoldPosted'`);
    expect(named((await verify(l)).defects)).toEqual(['account_mismatch hold:C1:L1', 'account_mismatch payee:contractor:K1', 'event_legs_mismatch postings']);
  });

  test('a bug in the postings projection is caught, though the live tables equal a rebuild by the same code', async () => {
    const postings = readModelProjections().find((p) => p.name === 'postings')!;
    // A projection that forgets released holds: the rebuild repeats the bug, the independent fold does not.
    const forgetful: Projection = { ...postings, apply: (tx, events) => postings.apply(tx, events.filter((e) => e.type !== 'HoldReleased')) };
    const l = await correctLedger(readModelProjections().map((p) => (p.name === 'postings' ? forgetful : p)));
    const report = await verify(l);
    expect(report.differences).toEqual([]);
    const released = (await l.store.readStream(`fundbatch-${CHILD}`)).find((e) => e.type === 'HoldReleased')!;
    expect(named(report.defects)).toEqual(['account_mismatch hold:C1:L1', 'account_mismatch line:C1:L1', `event_legs_mismatch event:${released.id}`]);
    expect(report.ok).toBe(false);
  });
});
