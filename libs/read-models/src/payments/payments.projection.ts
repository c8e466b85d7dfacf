import { isMigrated } from '@yuantrace/domain';
import { appendRows, rowsByKeys } from '@yuantrace/event-store';
import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/**
 * The views, lists and traces read payments through these; apply() reads rm_payments only by its
 * key. A pass that fills the tables from nothing builds them once at its end: at county scale each
 * request row cost PostgreSQL 37 µs with its four secondary indexes kept up row by row.
 */
const PAYMENTS_READ_INDEXES = [
  // A project's payments in the order its view pages them, with the recording instant: its count under either axis is read
  // from the index alone, and a page is its next entries rather than a sort of all of them.
  'create index if not exists rm_payments_project_idx on rm_payments (project_id, effective_date, payment_id) include (recorded_at)',
  // A project's advances, few beside its other payments: what the advance cap weighs is summed from these alone.
  'create index if not exists rm_payments_advance_idx on rm_payments (project_id) where installment = \'advance\'',
  'create index if not exists rm_payments_replaces_idx on rm_payments (replaces_payment_id) where replaces_payment_id is not null',
  'create index if not exists rm_payments_unit_idx on rm_payments (unit_code text_pattern_ops)',
  'create index if not exists rm_payments_account_idx on rm_payments (account_ref)',
  'create index if not exists rm_payment_history_idx on rm_payment_history (payment_id, seq)',
];

/** Each payment's request and its state history, each step dated on both axes. */
export const paymentsProjection = typedProjection({
  name: 'payments',
  passCost: 24,
  handles: ['PaymentRequested', 'PaymentApproved', 'PaymentRejected', 'PaymentExecuted', 'PaymentFailed', 'PaymentReversed'],
  // 2: decisions dated by their own business date (or the request's), never by the server clock. 3: re-payment links.
  // 4: history rows keyed by nothing but their payment: no read looks one up by event, and a random uuid key cost a county rebuild
  // half a minute of PostgreSQL's time on its critical lane. The checkpoint, committed with the rows, keeps each event's row single.
  // 5: a payment migrated from the old system is marked (`migrated`): it is listed as executed but moved no money here.
  version: 5,
  tables: ['rm_payments', 'rm_payment_history'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_payments (
        payment_id text primary key, project_id text not null, allocation_id text not null, batch_id text not null, unit_code text not null,
        payee_type text not null, payee_id text not null, payee_name text not null, account_ref text not null, account_masked text not null,
        amount_fen bigint not null, purpose text not null, installment text not null, requested_by text not null,
        effective_date date not null, recorded_at timestamptz not null, replaces_payment_id text, migrated boolean not null default false);
      create table if not exists rm_payment_history (
        payment_id text not null, event_id uuid not null, seq bigint not null, status text not null, actor text, detail jsonb not null,
        effective_date date not null, recorded_at timestamptz not null)`);
    for (const ddl of PAYMENTS_READ_INDEXES) await q.query(ddl);
  },
  readIndexes: PAYMENTS_READ_INDEXES,
  async apply(tx, events) {
    const payments: unknown[][] = [];
    const history: unknown[][] = [];
    // Request dates of this batch's payments, so a decision in the same batch needs no query.
    const requestDates = new Map<string, unknown>();
    // Only decisions on requests of earlier batches are looked up.
    const requestedHere = new Set(events.flatMap((e) => (e.type === 'PaymentRequested' ? [e.data.paymentId] : [])));
    const undecided = events.filter((e) => (e.type === 'PaymentApproved' || e.type === 'PaymentRejected') && !requestedHere.has(e.data.paymentId)).map((e) => e.data.paymentId);
    if (undecided.length) {
      for (const row of await rowsByKeys<{ payment_id: string; effective_date: string }>(tx, 'rm_payments', 'payment_id', [...new Set(undecided)], ['effective_date'])) {
        requestDates.set(row.payment_id, row.effective_date);
      }
    }
    for (const e of events) {
      const actor = (e.metadata.actor as { principalId?: string } | undefined)?.principalId ?? null;
      let status: string;
      let effectiveDate: string;
      let detail: Record<string, unknown> = {};
      switch (e.type) {
        case 'PaymentRequested': {
          const x = e.data;
          payments.push([x.paymentId, x.projectId, x.allocationId, x.batchId, x.unitCode, x.payee.type, x.payee.id, x.payee.name, x.payee.accountRef, x.payee.accountMasked,
            x.amountFen, x.purpose, x.installment, x.requestedBy, x.effectiveDate, e.recordedAt.toISOString(), x.replacesPaymentId ?? null, isMigrated(e.metadata)]);
          requestDates.set(x.paymentId, x.effectiveDate);
          [status, effectiveDate] = ['requested', x.effectiveDate];
          break;
        }
        case 'PaymentApproved':
        case 'PaymentRejected': {
          const x = e.data;
          // A decision carries its business date; one recorded before decisions did is dated on the
          // request's day, which keeps a replay's order (request ≤ decision ≤ settlement) whatever the server clock said.
          [status, effectiveDate] = [e.type === 'PaymentApproved' ? 'approved' : 'rejected', x.effectiveDate ?? dayOf(requestDates.get(x.paymentId))];
          detail = { comment: x.comment };
          break;
        }
        case 'PaymentExecuted':
          [status, effectiveDate, detail] = ['executed', e.data.effectiveDate, { channel: e.data.channel, bankReference: e.data.bankReference }];
          break;
        case 'PaymentFailed':
          [status, effectiveDate, detail] = ['failed', e.data.effectiveDate, { reason: e.data.reason }];
          break;
        case 'PaymentReversed':
          [status, effectiveDate, detail] = ['reversed', e.data.effectiveDate, { reason: e.data.reason, documentNo: e.data.documentNo }];
          break;
      }
      history.push([e.data.paymentId, e.id, e.revision.toString(), status, actor, JSON.stringify(detail), effectiveDate, e.recordedAt.toISOString()]);
    }
    await appendRows(tx, 'rm_payments', ['payment_id', 'project_id', 'allocation_id', 'batch_id', 'unit_code', 'payee_type', 'payee_id', 'payee_name', 'account_ref',
      'account_masked', 'amount_fen', 'purpose', 'installment', 'requested_by', 'effective_date', 'recorded_at', 'replaces_payment_id', 'migrated'],
      ['', '', '', '', '', '', '', '', '', '', 'bigint', '', '', '', 'date', 'timestamptz', '', 'boolean'], payments);
    await appendRows(tx, 'rm_payment_history', ['payment_id', 'event_id', 'seq', 'status', 'actor', 'detail', 'effective_date', 'recorded_at'],
      ['', 'uuid', 'bigint', '', '', 'jsonb', 'date', 'timestamptz'], history);
  },
});

/** Request days are text: from the request in the batch, or read back as a date column's text (DATE_OID). */
const dayOf = (date: unknown): string => String(date ?? '').slice(0, 10);
