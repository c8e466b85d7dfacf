import type { SqlExecutor } from '@yuantrace/event-store';
import { appendRows, insertMany, rowsByKeys } from '@yuantrace/event-store';
import { runDdl } from '../shared/ddl';
import { typedProjection, type Recorded } from '../shared/typed-projection';
import { UNIT_ROLLUP_TABLES, UNIT_ROLLUPS_DDL, UnitRollups, type RolledLeg } from './unit-rollups';

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
  -- Keyed in log order, so rows are appended at the key's end: keyed by the random event id, a
  -- county rebuild spent half of its COPY of postings on placing keys across the whole index.
  primary key (commit_position, prepare_position, leg)
);
create table if not exists posting_batches (
  batch_id text primary key, parent_batch_id text, root_batch_id text not null, source text not null, fiscal_year int not null,
  recipient_unit_code text not null
);
create table if not exists posting_lines (
  batch_id text not null, allocation_id text not null, project_id text not null, project_unit_code text, primary key (batch_id, allocation_id)
);
create table if not exists posting_project_units (project_id text primary key, unit_code text not null);
create table if not exists posting_payees (payment_id text primary key, payee_type text not null, payee_id text not null, payee_name text not null);
`;

type Leg = {
  from: string; to: string; fromUnit: string | null; toUnit: string | null; amount: string; batchId: string; rootBatchId: string; source: string;
  fiscalYear: number; allocationId?: string | null; projectId?: string | null; paymentId?: string | null;
  payee?: { type: string; id: string; name: string } | null; effectiveDate: string;
};

/** The events that move money or tell the postings where money sits. */
const HANDLED = ['ProjectProposed', 'HouseholdRegistered', 'FundBatchIssued', 'FundsAllocated', 'AllocationFundsReturned', 'FundsReturned', 'FundBatchVoided',
  'AllocationVoided', 'FundsHeld', 'HoldPosted', 'HoldReleased', 'PaymentReversalCredited'] as const;
type Handled = Recorded<(typeof HANDLED)[number]>;

type BatchInfo = { parent_batch_id: string | null; root_batch_id: string; source: string; fiscal_year: number; recipient_unit_code: string };
type LineInfo = { projectId: string; unit: string | null };
type PayeeInfo = { type: string; id: string; name: string };

/**
 * What one batch of events needs to know about batches, lines, projects and payees: fetched in
 * a few queries up front, then kept up to date in memory as the batch's own events add to it.
 */
class Lookups {
  batches = new Map<string, BatchInfo>();
  lines = new Map<string, LineInfo>();
  projectUnits = new Map<string, string>();
  payees = new Map<string, PayeeInfo>();
  newBatches: unknown[][] = [];
  newLines: unknown[][] = [];
  newProjectUnits: unknown[][] = [];
  newPayees: unknown[][] = [];

  static async for(tx: SqlExecutor, events: readonly Handled[]): Promise<Lookups> {
    const l = new Lookups();
    const batchIds = new Set<string>(), projectIds = new Set<string>(), paymentIds = new Set<string>(), lineKeys = new Map<string, [string, string]>();
    // A payment whose first event here holds its money brings its payee with it: its payee row is looked up only if it was held before this batch.
    const heldHere = new Set<string>();
    for (const e of events) {
      if (e.type === 'ProjectProposed' || e.type === 'HouseholdRegistered') continue;
      const x = e.data;
      batchIds.add(x.batchId);
      if (e.type === 'FundsReturned' && e.data.toBatchId) batchIds.add(e.data.toBatchId);
      if (e.type === 'AllocationVoided') batchIds.add(e.data.childBatchId);
      if (e.type === 'FundsAllocated' && e.data.target.type === 'project') projectIds.add(e.data.target.projectId);
      if ('paymentId' in x && !paymentIds.has(x.paymentId) && !heldHere.has(x.paymentId)) (e.type === 'FundsHeld' ? heldHere : paymentIds).add(x.paymentId);
      if ('allocationId' in x && typeof x.allocationId === 'string') lineKeys.set(`${x.batchId}|${x.allocationId}`, [x.batchId, x.allocationId]);
    }
    for (const b of await rowsByKeys<BatchInfo & { batch_id: string }>(tx, 'posting_batches', 'batch_id', [...batchIds],
      ['parent_batch_id', 'root_batch_id', 'source', 'fiscal_year', 'recipient_unit_code'])) l.batches.set(b.batch_id, b);
    for (const p of await rowsByKeys<{ project_id: string; unit_code: string }>(tx, 'posting_project_units', 'project_id', [...projectIds], ['unit_code'])) {
      l.projectUnits.set(p.project_id, p.unit_code);
    }
    if (lineKeys.size) {
      const keys = [...lineKeys.values()];
      const r = await tx.query<{ batch_id: string; allocation_id: string; project_id: string; project_unit_code: string | null }>(
        `select t.batch_id, t.allocation_id, t.project_id, t.project_unit_code
           from unnest($1::text[], $2::text[]) k(batch_id, allocation_id) join posting_lines t on t.batch_id = k.batch_id and t.allocation_id = k.allocation_id`,
        [keys.map((k) => k[0]), keys.map((k) => k[1])]);
      for (const x of r.rows) l.lines.set(`${x.batch_id}|${x.allocation_id}`, { projectId: x.project_id, unit: x.project_unit_code });
    }
    for (const x of await rowsByKeys<{ payment_id: string; payee_type: string; payee_id: string; payee_name: string }>(tx, 'posting_payees', 'payment_id',
      [...paymentIds], ['payee_type', 'payee_id', 'payee_name'])) l.payees.set(x.payment_id, { type: x.payee_type, id: x.payee_id, name: x.payee_name });
    return l;
  }

  async flush(tx: SqlExecutor) {
    await insertMany(tx, 'posting_batches', ['batch_id', 'parent_batch_id', 'root_batch_id', 'source', 'fiscal_year', 'recipient_unit_code'],
      ['', '', '', '', 'int', ''], this.newBatches);
    await insertMany(tx, 'posting_lines', ['batch_id', 'allocation_id', 'project_id', 'project_unit_code'], [], this.newLines);
    await insertMany(tx, 'posting_project_units', ['project_id', 'unit_code'], [], this.newProjectUnits);
    await insertMany(tx, 'posting_payees', ['payment_id', 'payee_type', 'payee_id', 'payee_name'], [], this.newPayees);
  }
}

/** The views, traces, summaries and checks read postings through these; apply() reads only its lookup tables. */
const POSTINGS_READ_INDEXES = [
  // A leg by its event (the books' check); unique, as the key is: one event's legs are numbered once.
  'create unique index if not exists postings_event_idx on postings (event_id, leg)',
  'create index if not exists postings_from_idx on postings (from_account)',
  'create index if not exists postings_to_idx on postings (to_account)',
  'create index if not exists postings_batch_idx on postings (batch_id)',
  'create index if not exists postings_project_idx on postings (project_id)',
  'create index if not exists postings_payment_idx on postings (payment_id)',
  'create index if not exists postings_payee_idx on postings (payee_type, payee_id)',
  'create index if not exists postings_from_unit_idx on postings (from_unit text_pattern_ops)',
  'create index if not exists postings_to_unit_idx on postings (to_unit text_pattern_ops)',
  'create index if not exists postings_recorded_idx on postings (recorded_at)',
];

const POSTING_COLUMNS = ['event_id', 'leg', 'commit_position', 'prepare_position', 'event_type', 'from_account', 'to_account', 'from_unit', 'to_unit', 'amount_fen',
  'root_batch_id', 'source', 'fiscal_year', 'batch_id', 'allocation_id', 'project_id', 'payment_id', 'payee_type', 'payee_id', 'payee_name', 'effective_date', 'recorded_at'];
const POSTING_CASTS = ['uuid', 'int', 'bigint', 'bigint', '', '', '', '', '', 'bigint', '', '', 'int', '', '', '', '', '', '', '', 'date', 'timestamptz'];

export const postingsProjection = typedProjection({
  name: 'postings',
  readsMetadata: false,
  passCost: 80,
  handles: HANDLED,
  // 2: unit rollups and the payee table. 3: the glossary's region figures in unit_flows; voids. 4: knownAt rollups by hour.
  // 5: and by second. 6: a household's single reach corner in plain columns. 7: keyed by log position.
  version: 7,
  tables: ['postings', 'posting_batches', 'posting_lines', 'posting_project_units', 'posting_payees', ...UNIT_ROLLUP_TABLES],
  // A household's row is written again with each receipt: a county's catch-up rewrote 50,035 rows 573,818 times.
  rewrittenTables: ['posting_households'],
  async setup(q) {
    await runDdl(q, `${POSTINGS_DDL};${UNIT_ROLLUPS_DDL}`);
    for (const ddl of POSTINGS_READ_INDEXES) await q.query(ddl);
  },
  readIndexes: POSTINGS_READ_INDEXES,
  async apply(tx, events) {
    const lookups = await Lookups.for(tx, events);
    const rollups = new UnitRollups();
    const rows: unknown[][] = [];
    const rolled: RolledLeg[] = [];
    for (const e of events) {
      if (e.type === 'HouseholdRegistered') rollups.registered(e.data.householdId, e.data.unitCode);
      const legs = legsOf(lookups, e);
      legs.forEach((l, i) => {
        rows.push([e.id, i, e.position.commit.toString(), e.position.prepare.toString(), e.type, l.from, l.to, l.fromUnit, l.toUnit, l.amount,
          l.rootBatchId, l.source, l.fiscalYear, l.batchId, l.allocationId ?? null, l.projectId ?? null, l.paymentId ?? null,
          l.payee?.type ?? null, l.payee?.id ?? null, l.payee?.name ?? null, l.effectiveDate, e.recordedAt.toISOString()]);
        rolled.push({ eventType: e.type, to: l.to, fromUnit: l.fromUnit, toUnit: l.toUnit, amount: BigInt(l.amount), source: l.source,
          fiscalYear: l.fiscalYear, effectiveDate: l.effectiveDate, payee: l.payee ?? null, recordedAt: e.recordedAt.toISOString() });
      });
    }
    await lookups.flush(tx);
    // Each leg is appended once (a leg already there fails the batch), so each is rolled up once.
    await appendRows(tx, 'postings', POSTING_COLUMNS, POSTING_CASTS, rows);
    await rollups.load(tx, rolled);
    for (const l of rolled) rollups.add(l);
    await rollups.flush(tx);
  },
});

function legsOf(l: Lookups, e: Handled): Leg[] {
  switch (e.type) {
    case 'ProjectProposed': {
      const x = e.data;
      if (!l.projectUnits.has(x.projectId)) {
        l.projectUnits.set(x.projectId, x.unitCode);
        l.newProjectUnits.push([x.projectId, x.unitCode]);
      }
      return [];
    }
    case 'FundBatchIssued': {
      const x = e.data;
      if (!l.batches.has(x.batchId)) {
        l.batches.set(x.batchId, { parent_batch_id: x.parentBatchId, root_batch_id: x.rootBatchId, source: x.source, fiscal_year: x.fiscalYear, recipient_unit_code: x.recipientUnitCode });
        l.newBatches.push([x.batchId, x.parentBatchId, x.rootBatchId, x.source, x.fiscalYear, x.recipientUnitCode]);
      }
      // A child batch's money was posted when its parent allocated it; only a root brings money in.
      if (x.parentBatchId) return [];
      return [{ from: 'external', to: `batch:${x.batchId}`, fromUnit: null, toUnit: x.recipientUnitCode, amount: x.amountFen, batchId: x.batchId,
        rootBatchId: x.rootBatchId, source: x.source, fiscalYear: x.fiscalYear, effectiveDate: x.effectiveDate }];
    }
    case 'FundsAllocated': {
      const x = e.data;
      const b = l.batches.get(x.batchId);
      const base = { batchId: x.batchId, rootBatchId: x.rootBatchId, source: x.source, fiscalYear: x.fiscalYear, allocationId: x.allocationId, effectiveDate: x.effectiveDate, amount: x.amountFen };
      if (x.target.type === 'batch') {
        return [{ ...base, from: `batch:${x.batchId}`, to: `batch:${x.target.batchId}`, fromUnit: b?.recipient_unit_code ?? null, toUnit: x.target.recipientUnitCode }];
      }
      const unit = l.projectUnits.get(x.target.projectId) ?? null;
      const key = `${x.batchId}|${x.allocationId}`;
      if (!l.lines.has(key)) {
        l.lines.set(key, { projectId: x.target.projectId, unit });
        l.newLines.push([x.batchId, x.allocationId, x.target.projectId, unit]);
      }
      return [{ ...base, from: `batch:${x.batchId}`, to: `line:${x.batchId}:${x.allocationId}`, fromUnit: b?.recipient_unit_code ?? null, toUnit: unit, projectId: x.target.projectId }];
    }
    case 'AllocationFundsReturned': {
      const x = e.data;
      const b = l.batches.get(x.batchId)!;
      const line = l.lines.get(`${x.batchId}|${x.allocationId}`);
      return [{ from: `line:${x.batchId}:${x.allocationId}`, to: `batch:${x.batchId}`, fromUnit: line?.unit ?? null, toUnit: b?.recipient_unit_code ?? null,
        amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source, fiscalYear: b.fiscal_year, allocationId: x.allocationId,
        projectId: x.projectId, effectiveDate: x.effectiveDate }];
    }
    case 'FundsReturned': {
      const x = e.data;
      const b = l.batches.get(x.batchId)!;
      const parent = x.toBatchId ? l.batches.get(x.toBatchId) : undefined;
      return [{ from: `batch:${x.batchId}`, to: x.toBatchId ? `batch:${x.toBatchId}` : 'external', fromUnit: b?.recipient_unit_code ?? null,
        toUnit: parent?.recipient_unit_code ?? null, amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source,
        fiscalYear: b.fiscal_year, allocationId: x.allocationId, effectiveDate: x.effectiveDate }];
    }
    case 'FundBatchVoided': {
      const x = e.data;
      // A root's void sends its amount back out; a child's is posted by its parent's AllocationVoided.
      if (x.toBatchId) return [];
      const b = l.batches.get(x.batchId)!;
      return [{ from: `batch:${x.batchId}`, to: 'external', fromUnit: b.recipient_unit_code, toUnit: null, amount: x.amountFen, batchId: x.batchId,
        rootBatchId: b.root_batch_id, source: b.source, fiscalYear: b.fiscal_year, effectiveDate: x.effectiveDate }];
    }
    case 'AllocationVoided': {
      const x = e.data;
      const b = l.batches.get(x.batchId)!;
      const child = l.batches.get(x.childBatchId);
      return [{ from: `batch:${x.childBatchId}`, to: `batch:${x.batchId}`, fromUnit: child?.recipient_unit_code ?? null, toUnit: b.recipient_unit_code,
        amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source, fiscalYear: b.fiscal_year, allocationId: x.allocationId,
        effectiveDate: x.effectiveDate }];
    }
    case 'FundsHeld':
    case 'HoldPosted':
    case 'HoldReleased':
    case 'PaymentReversalCredited': {
      const x = e.data;
      const b = l.batches.get(x.batchId)!;
      const line = l.lines.get(`${x.batchId}|${x.allocationId}`);
      const unit = line?.unit ?? null;
      const lineAcc = `line:${x.batchId}:${x.allocationId}`;
      const holdAcc = `hold:${x.batchId}:${x.allocationId}`;
      if (e.type === 'FundsHeld' && !l.payees.has(x.paymentId)) {
        const p = e.data.request.payee;
        l.payees.set(x.paymentId, { type: p.type, id: p.id, name: p.name });
        l.newPayees.push([x.paymentId, p.type, p.id, p.name]);
      }
      const payee = l.payees.get(x.paymentId);
      const payeeAcc = `payee:${payee?.type}:${payee?.id}`;
      const [from, to, fromUnit, toUnit] =
        e.type === 'FundsHeld' ? [lineAcc, holdAcc, unit, unit]
        : e.type === 'HoldPosted' ? [holdAcc, payeeAcc, unit, null]
        : e.type === 'HoldReleased' ? [holdAcc, lineAcc, unit, unit]
        : [payeeAcc, lineAcc, null, unit];
      return [{ from, to, fromUnit, toUnit, amount: x.amountFen, batchId: x.batchId, rootBatchId: b.root_batch_id, source: b.source, fiscalYear: b.fiscal_year,
        allocationId: x.allocationId, projectId: line?.projectId ?? null, paymentId: x.paymentId, payee: payee ?? null, effectiveDate: x.effectiveDate }];
    }
    case 'HouseholdRegistered':
      return [];
  }
}
