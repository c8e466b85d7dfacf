import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MIGRATED_SOURCE } from '@yuantrace/domain';
import type { PgDb, RecordedEvent } from '@yuantrace/event-store';
import { dropSchema, openTestPg, uniqueSchema } from '../../../../test/support/databases';
import { paymentsProjection } from './payments.projection';

/**
 * A decision recorded before decisions carried their own date is dated on its request's day: taken
 * from the batch when the request is in it, read back from PostgreSQL (as text, never as a Date)
 * when the request came in an earlier batch.
 */
const schema = uniqueSchema('pay');
let db: PgDb;
beforeAll(async () => {
  db = await openTestPg(schema);
  await paymentsProjection.setup(db);
});
afterAll(async () => {
  await db.close();
  await dropSchema(schema);
});

let position = 0n;
const recorded = (type: string, data: Record<string, unknown>, revision: bigint): RecordedEvent => {
  position++;
  return { id: randomUUID(), streamId: `payment-${String(data.paymentId)}`, revision, type, data, metadata: { actor: { principalId: 'clerk', role: 'finance' } },
    position: { commit: position, prepare: position }, recordedAt: new Date('2016-05-01T02:00:00Z') } as RecordedEvent;
};

test('a decision without its own date is dated on its request\'s day, whether the request is in its batch or an earlier one', async () => {
  const request = (id: string, day: string) => recorded('PaymentRequested', { paymentId: id, projectId: 'P', allocationId: 'L', batchId: 'C', unitCode: '990101001001',
    requestedBy: 'clerk', installment: 'progress', payee: { type: 'contractor', id: 'K', name: '公司', accountRef: 'ref', accountMasked: '***1' }, amountFen: '1000',
    purpose: 'x', effectiveDate: day }, 0n);
  const approval = (id: string) => recorded('PaymentApproved', { paymentId: id, approvedBy: 'boss', comment: '' }, 1n);
  await db.transaction((tx) => paymentsProjection.apply(tx, [request('EARLIER', '2016-05-01')]));
  await db.transaction((tx) => paymentsProjection.apply(tx, [request('SAME', '2016-06-02'), approval('SAME'), approval('EARLIER')]));
  const steps = await db.query<{ payment_id: string; status: string; day: string }>(
    'select payment_id, status, effective_date::text as day from rm_payment_history order by payment_id, seq');
  expect(steps.rows).toEqual([
    { payment_id: 'EARLIER', status: 'requested', day: '2016-05-01' }, { payment_id: 'EARLIER', status: 'approved', day: '2016-05-01' },
    { payment_id: 'SAME', status: 'requested', day: '2016-06-02' }, { payment_id: 'SAME', status: 'approved', day: '2016-06-02' }]);
});

test('a payment migrated from the old system (metadata source legacy-import) is marked migrated; the ledger\'s own are not', async () => {
  const request = (id: string, metadata: Record<string, unknown>) => ({ ...recorded('PaymentRequested', { paymentId: id, projectId: 'P', allocationId: 'L', batchId: 'C',
    unitCode: '990101001001', requestedBy: 'clerk', installment: 'single', payee: { type: 'household', id: 'H', name: '户主', accountRef: 'ref', accountMasked: '***1' },
    amountFen: '1000', purpose: 'x', effectiveDate: '2016-05-01' }, 0n), metadata });
  await db.transaction((tx) => paymentsProjection.apply(tx, [request('MIGRATED', { actor: { principalId: 'legacy-import', role: 'finance' }, source: MIGRATED_SOURCE }),
    request('OWN', { actor: { principalId: 'clerk', role: 'finance' } }), request('OTHER-SOURCE', { actor: { principalId: 'clerk', role: 'finance' }, source: 'api' })]));
  const rows = await db.query<{ payment_id: string; migrated: boolean }>(
    "select payment_id, migrated from rm_payments where payment_id in ('MIGRATED', 'OWN', 'OTHER-SOURCE') order by payment_id");
  expect(rows.rows).toEqual([{ payment_id: 'MIGRATED', migrated: true }, { payment_id: 'OTHER-SOURCE', migrated: false }, { payment_id: 'OWN', migrated: false }]);
});
