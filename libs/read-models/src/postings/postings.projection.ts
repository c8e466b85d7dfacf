import type { RecordedEvent, SqlExecutor } from '@yuantrace/event-store';
import type { Projection } from '@yuantrace/projections';

/**
 * Postings: one append-only row per money leg. Every money figure of every view is a sum over
 * these, filtered by the two time axes. Accounts:
 *   external                      outside the ledger (an issuer's budget, a treasury taking money back)
 *   batch:<batchId>               a batch's free balance, at its recipient unit
 *   line:<batchId>:<allocationId> money committed to a project and available, at the project's unit
 *   hold:<batchId>:<allocationId> money held for requested payments, at the project's unit
 *   payee:<type>:<id>             paid out (no unit: it left the ledger)
 */
export const POSTINGS_DDL = `
create table if not exists postings (
  event_id uuid not null,
  leg smallint not null,
  commit_position bigint not null,
  prepare_position bigint not null,
  event_type text not null,
  from_account text not null,
  to_account text not null,
  from_unit text,
  to_unit text,
  amount_fen bigint not null check (amount_fen > 0),
  root_batch_id text not null,
  source text not null,
  fiscal_year int not null,
  batch_id text not null,
  allocation_id text,
  project_id text,
  payment_id text,
  payee_type text,
  payee_id text,
  payee_name text,
  effective_date date not null,
  recorded_at timestamptz not null,
  primary key (event_id, leg)
);
create index if not exists postings_from_idx on postings (from_account);
create index if not exists postings_to_idx on postings (to_account);
create index if not exists postings_batch_idx on postings (batch_id);
create index if not exists postings_project_idx on postings (project_id);
create index if not exists postings_payment_idx on postings (payment_id);
create index if not exists postings_payee_idx on postings (payee_type, payee_id);
create index if not exists postings_from_unit_idx on postings (from_unit text_pattern_ops);
create index if not exists postings_to_unit_idx on postings (to_unit text_pattern_ops);
create table if not exists posting_batches (
  batch_id text primary key, parent_batch_id text, root_batch_id text not null, source text not null, fiscal_year int not null,
  recipient_unit_code text not null
);
create table if not exists posting_lines (
  batch_id text not null, allocation_id text not null, project_id text not null, project_unit_code text, primary key (batch_id, allocation_id)
);
create table if not exists posting_project_units (project_id text primary key, unit_code text not null);
`;

type Leg = {
  from: string; to: string; fromUnit: string | null; toUnit: string | null; amount: string; batchId: string; rootBatchId: string; source: string;
  fiscalYear: number; allocationId?: string | null; projectId?: string | null; paymentId?: string | null;
  payee?: { type: string; id: string; name: string } | null; effectiveDate: string;
};

const d = (e: RecordedEvent) => e.data as Record<string, any>;

export const postingsProjection: Projection = {
  name: 'postings',
  tables: ['postings', 'posting_batches', 'posting_lines', 'posting_project_units'],
  async setup(q) {
    for (const s of POSTINGS_DDL.split(';').map((x) => x.trim()).filter(Boolean)) await q.query(s);
  },
  async apply(tx, events) {
    for (const e of events) {
      const legs = await legsOf(tx, e);
      for (let i = 0; i < legs.length; i++) await insertLeg(tx, e, i, legs[i]);
    }
  },
};

async function batchInfo(tx: SqlExecutor, batchId: string) {
  const r = await tx.query<{ parent_batch_id: string | null; root_batch_id: string; source: string; fiscal_year: number; recipient_unit_code: string }>(
    'select parent_batch_id, root_batch_id, source, fiscal_year, recipient_unit_code from posting_batches where batch_id = $1', [batchId]);
  return r.rows[0];
}

async function lineUnit(tx: SqlExecutor, batchId: string, allocationId: string): Promise<{ projectId: string; unit: string | null } | undefined> {
  const r = await tx.query<{ project_id: string; project_unit_code: string | null }>(
    'select project_id, project_unit_code from posting_lines where batch_id = $1 and allocation_id = $2', [batchId, allocationId]);
  return r.rows[0] ? { projectId: r.rows[0].project_id, unit: r.rows[0].project_unit_code } : undefined;
}

async function legsOf(tx: SqlExecutor, e: RecordedEvent): Promise<Leg[]> {
  const x = d(e);
  switch (e.type) {
    case 'ProjectProposed':
      await tx.query('insert into posting_project_units (project_id, unit_code) values ($1, $2) on conflict (project_id) do nothing', [x.projectId, x.unitCode]);
      return [];
    case 'FundBatchIssued': {
      await tx.query(
        `insert into posting_batches (batch_id, parent_batch_id, root_batch_id, source, fiscal_year, recipient_unit_code) values ($1, $2, $3, $4, $5, $6)
         on conflict (batch_id) do nothing`,
        [x.batchId, x.parentBatchId, x.rootBatchId, x.source, x.fiscalYear, x.recipientUnitCode]);
      // A child batch's money was posted when its parent allocated it; only a root brings money in.
      if (x.parentBatchId) return [];
      return [{ from: 'external', to: `batch:${x.batchId}`, fromUnit: null, toUnit: x.recipientUnitCode, amount: x.amountFen, batchId: x.batchId,
        rootBatchId: x.rootBatchId, source: x.source, fiscalYear: x.fiscalYear, effectiveDate: x.effectiveDate }];
    }
    case 'FundsAllocated': {
      const b = await batchInfo(tx, x.batchId);
      const base = { batchId: x.batchId, rootBatchId: x.rootBatchId, source: x.source, fiscalYear: x.fiscalYear, allocationId: x.allocationId, effectiveDate: x.effectiveDate, amount: x.amountFen };
      if (x.target.type === 'batch') {
        return [{ ...base, from: `batch:${x.batchId}`, to: `batch:${x.target.batchId}`, fromUnit: b?.recipient_unit_code ?? null, toUnit: x.target.recipientUnitCode }];
      }
      const unit = (await tx.query<{ unit_code: string }>('select unit_code from posting_project_units where project_id = $1', [x.target.projectId])).rows[0]?.unit_code ?? null;
      await tx.query(`insert into posting_lines (batch_id, allocation_id, project_id, project_unit_code) values ($1, $2, $3, $4) on conflict do nothing`,
        [x.batchId, x.allocationId, x.target.projectId, unit]);
      return [{ ...base, from: `batch:${x.batchId}`, to: `line:${x.batchId}:${x.allocationId}`, fromUnit: b?.recipient_unit_code ?? null, toUnit: unit, projectId: x.target.projectId }];
    }
    case 'AllocationFundsReturned': {
      const b = await batchInfo(tx, x.batchId);
      const line = await lineUnit(tx, x.batchId, x.allocationId);
      return [{ from: `line:${x.batchId}:${x.allocationId}`, to: `batch:${x.batchId}`, fromUnit: line?.unit ?? null, toUnit: b?.recipient_unit_code ?? null,
        amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source, fiscalYear: b.fiscal_year, allocationId: x.allocationId,
        projectId: x.projectId, effectiveDate: x.effectiveDate }];
    }
    case 'FundsReturned': {
      const b = await batchInfo(tx, x.batchId);
      const parent = x.toBatchId ? await batchInfo(tx, x.toBatchId) : undefined;
      return [{ from: `batch:${x.batchId}`, to: x.toBatchId ? `batch:${x.toBatchId}` : 'external', fromUnit: b?.recipient_unit_code ?? null,
        toUnit: parent?.recipient_unit_code ?? null, amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source,
        fiscalYear: b.fiscal_year, allocationId: x.allocationId, effectiveDate: x.effectiveDate }];
    }
    case 'FundsHeld':
    case 'HoldPosted':
    case 'HoldReleased':
    case 'PaymentReversalCredited': {
      const b = await batchInfo(tx, x.batchId);
      const line = await lineUnit(tx, x.batchId, x.allocationId);
      const unit = line?.unit ?? null;
      const lineAcc = `line:${x.batchId}:${x.allocationId}`;
      const holdAcc = `hold:${x.batchId}:${x.allocationId}`;
      const payee = e.type === 'FundsHeld' ? x.request.payee : await payeeOf(tx, x.paymentId);
      const payeeAcc = `payee:${payee?.type}:${payee?.id}`;
      const [from, to, fromUnit, toUnit] =
        e.type === 'FundsHeld' ? [lineAcc, holdAcc, unit, unit]
        : e.type === 'HoldPosted' ? [holdAcc, payeeAcc, unit, null]
        : e.type === 'HoldReleased' ? [holdAcc, lineAcc, unit, unit]
        : [payeeAcc, lineAcc, null, unit];
      return [{ from, to, fromUnit, toUnit, amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source, fiscalYear: b.fiscal_year,
        allocationId: x.allocationId, projectId: line?.projectId ?? null, paymentId: x.paymentId,
        payee: payee ? { type: payee.type, id: payee.id, name: payee.name } : null, effectiveDate: x.effectiveDate }];
    }
    default:
      return [];
  }
}

async function payeeOf(tx: SqlExecutor, paymentId: string) {
  const r = await tx.query<{ payee_type: string; payee_id: string; payee_name: string }>(
    `select payee_type, payee_id, payee_name from postings where payment_id = $1 and event_type = 'FundsHeld' limit 1`, [paymentId]);
  const row = r.rows[0];
  return row ? { type: row.payee_type, id: row.payee_id, name: row.payee_name } : undefined;
}

async function insertLeg(tx: SqlExecutor, e: RecordedEvent, leg: number, l: Leg) {
  await tx.query(
    `insert into postings (event_id, leg, commit_position, prepare_position, event_type, from_account, to_account, from_unit, to_unit, amount_fen,
       root_batch_id, source, fiscal_year, batch_id, allocation_id, project_id, payment_id, payee_type, payee_id, payee_name, effective_date, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21::date, $22::timestamptz)
     on conflict (event_id, leg) do nothing`,
    [e.id, leg, e.position.commit.toString(), e.position.prepare.toString(), e.type, l.from, l.to, l.fromUnit, l.toUnit, l.amount,
      l.rootBatchId, l.source, l.fiscalYear, l.batchId, l.allocationId ?? null, l.projectId ?? null, l.paymentId ?? null,
      l.payee?.type ?? null, l.payee?.id ?? null, l.payee?.name ?? null, l.effectiveDate, e.recordedAt.toISOString()],
  );
}
