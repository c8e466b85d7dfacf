import { batchFiguresOfMoves, figuresInYuan, projectFiguresOfMoves, type BatchFigures } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { unitPrefix } from '../regions/region-queries';
import { HELD_DELTA, n, PAID_DELTA, yuan } from '../../shared/figure-sql';

/** A fund batch: its figures, its life, its allocation lines, the flow below it and the chain above it. */

/**
 * A batch's figures (the glossary in @yuantrace/domain figures.ts) from its postings. Every
 * figure is gross and each return has its own; a void undoes what it voids (a root's issue, or the
 * parent's allocation to a voided child), as if it had not happened.
 */
export async function batchFiguresOf(q: SqlExecutor, batchId: string, basis: Basis): Promise<BatchFigures> {
  const params: unknown[] = [batchId];
  const cond = basisSql(basis, params);
  const r = await q.query<Record<string, unknown>>(
    `select
       coalesce(sum(case when to_account = 'batch:' || $1 and event_type in ('FundBatchIssued', 'FundsAllocated') then amount_fen
                         when from_account = 'batch:' || $1 and event_type in ('FundBatchVoided', 'AllocationVoided') then -amount_fen end), 0) as received,
       coalesce(sum(case when batch_id = $1 and event_type = 'FundsAllocated' and to_account like 'batch:%' then amount_fen
                         when to_account = 'batch:' || $1 and event_type = 'AllocationVoided' then -amount_fen end), 0) as allocated,
       coalesce(sum(amount_fen) filter (where batch_id = $1 and event_type = 'FundsAllocated' and to_account like 'line:%'), 0) as committed,
       coalesce(sum(amount_fen) filter (where to_account = 'batch:' || $1 and event_type = 'FundsReturned'), 0) as returned_from_batches,
       coalesce(sum(amount_fen) filter (where batch_id = $1 and event_type = 'AllocationFundsReturned'), 0) as returned_from_projects,
       coalesce(sum(amount_fen) filter (where from_account = 'batch:' || $1 and event_type = 'FundsReturned'), 0) as returned,
       coalesce(sum(${HELD_DELTA}) filter (where batch_id = $1), 0) as held,
       coalesce(sum(${PAID_DELTA}) filter (where batch_id = $1), 0) as paid
     from postings where (batch_id = $1 or to_account = 'batch:' || $1 or from_account = 'batch:' || $1) and ${cond}`,
    params,
  );
  const x = r.rows[0];
  return batchFiguresOfMoves({ received: n(x.received), allocated: n(x.allocated), committed: n(x.committed), returnedFromBatches: n(x.returned_from_batches),
    returnedFromProjects: n(x.returned_from_projects), returned: n(x.returned), held: n(x.held), paid: n(x.paid) });
}

type BatchRow = {
  batch_id: string; parent_batch_id: string | null; allocation_id: string | null; root_batch_id: string; root_document_no: string; document_no: string;
  title: string; source: string; issuer_level: string; recipient_unit_code: string; fiscal_year: number; purpose: string;
  counts_toward_household_share: boolean; amount_fen: unknown; effective_date: unknown; recorded_at: unknown;
};

async function batchRow(q: SqlExecutor, batchId: string, basis: Basis): Promise<BatchRow | undefined> {
  const params: unknown[] = [batchId];
  return (await q.query<BatchRow>(`select * from rm_batches where batch_id = $1 and ${basisSql(basis, params)}`, params)).rows[0];
}

/** Does the batch exist at all (regardless of basis)? Lets callers tell "unknown" from "not yet". */
export async function batchExists(q: SqlExecutor, batchId: string): Promise<boolean> {
  return (await q.query('select 1 from rm_batches where batch_id = $1', [batchId])).rowCount > 0;
}

/** `scope`: the reader's region; the voided batches this one replaces are listed only where they lie in it. */
export async function batchView(q: SqlExecutor, batchId: string, basis: Basis, scope?: string) {
  const b = await batchRow(q, batchId, basis);
  if (!b) return undefined;
  const figures = await batchFiguresOf(q, batchId, basis);
  const params: unknown[] = [batchId];
  const allocations = await q.query<Record<string, unknown>>(
    `select * from rm_allocations where batch_id = $1 and ${basisSql(basis, params)} order by effective_date, allocation_id`, params);
  const lines = await lineFigures(q, { batchId }, basis);
  const childParams: unknown[] = [batchId];
  const children = await q.query<{ batch_id: string; recipient_unit_code: string; amount_fen: unknown }>(
    `select batch_id, recipient_unit_code, amount_fen from rm_batches where parent_batch_id = $1 and ${basisSql(basis, childParams)} order by batch_id`, childParams);
  // Each child's life as of the basis: a voided child counts for nothing, and the parent's lists say so rather than show it beside the live ones.
  const lives = await batchLives(q, children.rows.map((c) => c.batch_id), basis);
  const childStatus = (id: unknown) => lives.get(String(id))?.status ?? 'open';
  return {
    batchId: b.batch_id, documentNo: b.document_no, title: b.title, source: b.source, issuerLevel: b.issuer_level, recipientUnitCode: b.recipient_unit_code,
    fiscalYear: b.fiscal_year, purpose: b.purpose, countsTowardHouseholdShare: b.counts_toward_household_share, effectiveDate: dateText(b.effective_date),
    rootBatchId: b.root_batch_id, rootDocumentNo: b.root_document_no,
    ...(await batchLife(q, batchId, basis)),
    replaces: await replacedBatches(q, batchId, basis, scope),
    amount: yuan(b.amount_fen), ...figuresInYuan(figures),
    allocations: allocations.rows.map((a) => {
      const line = lines.get(String(a.allocation_id));
      return {
        allocationId: a.allocation_id, documentNo: a.document_no, effectiveDate: dateText(a.effective_date), amount: yuan(a.amount_fen),
        target: a.target_type === 'batch' ? { type: 'batch', batchId: a.target_batch_id, recipientUnitCode: a.target_unit_code, status: childStatus(a.target_batch_id) }
          : { type: 'project', projectId: a.project_id },
        ...(line ? { returned: yuan(line.returned), held: yuan(line.held), paid: yuan(line.paid), available: yuan(line.available) } : {}),
      };
    }),
    parent: b.parent_batch_id ? { batchId: b.parent_batch_id, allocationId: b.allocation_id } : null,
    children: children.rows.map((c) => ({ batchId: c.batch_id, recipientUnitCode: c.recipient_unit_code, amount: yuan(c.amount_fen), status: childStatus(c.batch_id) })),
  };
}

/**
 * The voided batches this one was named to replace (撤销 with replacedBy), as of the basis: the link
 * back from a correction to what it corrects. Read from the few ended batches' rows alone (the
 * partial index of closures and voids, whose predicate the statement names for the planner).
 */
async function replacedBatches(q: SqlExecutor, batchId: string, basis: Basis, scope?: string): Promise<string[]> {
  const params: unknown[] = [batchId];
  const inScope = scope === undefined ? '' : ` and exists (select 1 from rm_batches b where b.batch_id = e.batch_id and b.recipient_unit_code like $${params.push(`${unitPrefix(scope)}%`)})`;
  const r = await q.query<{ batch_id: string }>(
    `select e.batch_id from rm_batch_events e where e.event_type in ('FundBatchClosed', 'FundBatchVoided') and e.event_type = 'FundBatchVoided'
       and e.detail->>'replacedBy' = $1${inScope} and ${basisSql(basis, params, 'e')} order by e.batch_id`, params);
  return r.rows.map((x) => x.batch_id);
}

/** A batch's life as of the basis: open, closed (how its remainder went) or voided (and what replaced it). */
export async function batchLife(q: SqlExecutor, batchId: string, basis: Basis) {
  return (await batchLives(q, [batchId], basis)).get(batchId) ?? OPEN;
}

const OPEN = { status: 'open' as const, closedOn: null, voidedOn: null };
type BatchLife = typeof OPEN | { status: 'closed'; closedOn: string; voidedOn: null; disposal: unknown; carriedOverTo: unknown }
  | { status: 'voided'; closedOn: null; voidedOn: string; voidReason: unknown; replacedBy: unknown };

/** The lives of several batches in one read: those that ended (closed or voided) under the basis; the others are open. */
async function batchLives(q: SqlExecutor, batchIds: readonly string[], basis: Basis): Promise<Map<string, BatchLife>> {
  const params: unknown[] = [batchIds];
  const r = await q.query<{ batch_id: string; event_type: string; effective_date: unknown; detail: Record<string, unknown> | null }>(
    `select distinct on (batch_id) batch_id, event_type, effective_date, detail from rm_batch_events where batch_id = any($1::text[])
       and event_type in ('FundBatchClosed', 'FundBatchVoided') and ${basisSql(basis, params)} order by batch_id, effective_date, recorded_at`, params);
  return new Map(r.rows.map((e): [string, BatchLife] => {
    const detail = e.detail ?? {};
    return [e.batch_id, e.event_type === 'FundBatchClosed'
      ? { status: 'closed', closedOn: dateText(e.effective_date), voidedOn: null, disposal: detail.disposal ?? 'none', carriedOverTo: detail.carriedOverTo ?? null }
      : { status: 'voided', closedOn: null, voidedOn: dateText(e.effective_date), voidReason: detail.reason ?? null, replacedBy: detail.replacedBy ?? null }];
  }));
}

export type LineFigures = { batchId: string; allocationId: string; projectId: string | null; rootBatchId: string; source: string; fiscalYear: number;
  committed: bigint; returned: bigint; held: bigint; paid: bigint; available: bigint };

/** Per project-allocation line: committed, returned, held, paid, available. */
export async function lineFigures(q: SqlExecutor, by: { batchId?: string; projectId?: string }, basis: Basis): Promise<Map<string, LineFigures>> {
  const params: unknown[] = [];
  const where: string[] = ['allocation_id is not null', "event_type in ('FundsAllocated', 'AllocationFundsReturned', 'FundsHeld', 'HoldPosted', 'HoldReleased', 'PaymentReversalCredited')"];
  if (by.batchId) { params.push(by.batchId); where.push(`batch_id = $${params.length}`); }
  if (by.projectId) { params.push(by.projectId); where.push(`project_id = $${params.length}`); }
  where.push(basisSql(basis, params));
  const r = await q.query<Record<string, unknown>>(
    `select batch_id, allocation_id, max(project_id) as project_id, max(root_batch_id) as root_batch_id, max(source) as source, max(fiscal_year) as fiscal_year,
       coalesce(sum(amount_fen) filter (where event_type = 'FundsAllocated' and to_account like 'line:%'), 0) as committed,
       coalesce(sum(amount_fen) filter (where event_type = 'AllocationFundsReturned'), 0) as returned,
       coalesce(sum(${HELD_DELTA}), 0) as held,
       coalesce(sum(${PAID_DELTA}), 0) as paid
     from postings where ${where.join(' and ')} group by batch_id, allocation_id order by batch_id, allocation_id`,
    params,
  );
  const out = new Map<string, LineFigures>();
  for (const x of r.rows) {
    const committed = n(x.committed);
    if (committed === 0n) continue; // an allocation to a child batch, not a project line
    const returned = n(x.returned), held = n(x.held), paid = n(x.paid);
    out.set(String(x.allocation_id), { batchId: String(x.batch_id), allocationId: String(x.allocation_id), projectId: (x.project_id as string) ?? null,
      rootBatchId: String(x.root_batch_id), source: String(x.source), fiscalYear: Number(x.fiscal_year), committed, returned, held, paid,
      available: committed - returned - held - paid });
  }
  return out;
}

/** The downstream tree of a batch: child batches, project lines and payees, to the fen, with what is unspent at each node. */
export async function batchFlow(q: SqlExecutor, batchId: string, basis: Basis, depth = 0): Promise<Record<string, unknown> | undefined> {
  const b = await batchRow(q, batchId, basis);
  if (!b || depth > 20) return undefined;
  const figures = await batchFiguresOf(q, batchId, basis);
  const params: unknown[] = [batchId];
  const allocations = await q.query<Record<string, unknown>>(
    `select * from rm_allocations where batch_id = $1 and ${basisSql(basis, params)} order by effective_date, allocation_id`, params);
  const lines = await lineFigures(q, { batchId }, basis);
  const children: unknown[] = [];
  let payeesByLine: Map<string, Array<{ type: unknown; id: unknown; name: unknown; paid: string }>> | undefined;
  for (const a of allocations.rows) {
    if (a.target_type === 'batch') {
      const child = await batchFlow(q, String(a.target_batch_id), basis, depth + 1);
      children.push({ type: 'batch', allocationId: a.allocation_id, documentNo: a.document_no, amount: yuan(a.amount_fen), ...(child ?? { batchId: a.target_batch_id, inFlight: true }) });
    } else {
      const line = lines.get(String(a.allocation_id));
      const payees = (payeesByLine ??= await payeesOfLines(q, batchId, basis)).get(String(a.allocation_id)) ?? [];
      const f = projectFiguresOfMoves({ committed: line?.committed ?? 0n, returned: line?.returned ?? 0n, held: line?.held ?? 0n, paid: line?.paid ?? 0n });
      children.push({ type: 'project', allocationId: a.allocation_id, projectId: a.project_id, documentNo: a.document_no, amount: yuan(a.amount_fen),
        ...figuresInYuan(f), payees });
    }
  }
  return { batchId, documentNo: b.document_no, recipientUnitCode: b.recipient_unit_code, source: b.source, ...(await batchLife(q, batchId, basis)),
    ...figuresInYuan(figures), children };
}

/** What each project line of a batch paid to each payee, in one query for all its lines. */
async function payeesOfLines(q: SqlExecutor, batchId: string, basis: Basis) {
  const params: unknown[] = [batchId];
  const r = await q.query<Record<string, unknown>>(
    `select allocation_id, payee_type, payee_id, max(payee_name) as payee_name, sum(${PAID_DELTA}) as paid
     from postings where batch_id = $1 and event_type in ('HoldPosted', 'PaymentReversalCredited') and ${basisSql(basis, params)}
     group by allocation_id, payee_type, payee_id order by allocation_id, payee_type, payee_id`,
    params,
  );
  const out = new Map<string, Array<{ type: unknown; id: unknown; name: unknown; paid: string }>>();
  for (const x of r.rows) {
    const line = out.get(String(x.allocation_id)) ?? [];
    out.set(String(x.allocation_id), line);
    line.push({ type: x.payee_type, id: x.payee_id, name: x.payee_name, paid: yuan(x.paid) });
  }
  return out;
}

/**
 * The chains of the batches `ids` (an SQL expression of a text array, or a set of `batch_id`
 * rows) to their roots, a row per hop: `start_id`, `depth` and the hop's batch. Text, so that a
 * view may run it inside its own statement.
 */
export const batchChainsSql = (ids: string) => `with recursive chain(start_id, depth, batch_id) as (
       select id, 0, id from (${ids}) as start(id)
       union all
       select c.start_id, c.depth + 1, b.parent_batch_id from chain c join rm_batches b on b.batch_id = c.batch_id
       where b.parent_batch_id is not null and c.depth < 20)
     select c.start_id, c.depth, b.batch_id, b.parent_batch_id, b.document_no, b.issuer_level, b.recipient_unit_code, b.source, b.fiscal_year,
       b.amount_fen::text as amount_fen, b.effective_date, b.allocation_id
     from chain c join rm_batches b on b.batch_id = c.batch_id`;

type ChainRow = Pick<BatchRow, 'batch_id' | 'parent_batch_id' | 'document_no' | 'issuer_level' | 'recipient_unit_code' | 'source' | 'fiscal_year' | 'amount_fen'
  | 'effective_date' | 'allocation_id'> & { start_id: string; depth: number };

/** The rows of batchChainsSql, in any order, as each start batch's chain from itself up to its root. */
export function chainsOf(rows: readonly ChainRow[]): Map<string, Array<Record<string, unknown>>> {
  const out = new Map<string, Array<Record<string, unknown>>>();
  const sorted = [...rows].sort((a, b) => (a.start_id < b.start_id ? -1 : a.start_id > b.start_id ? 1 : Number(a.depth) - Number(b.depth)));
  for (const b of sorted) {
    const hops = out.get(b.start_id) ?? [];
    out.set(b.start_id, hops);
    hops.push({ hop: b.parent_batch_id ? 'allocation' : 'appropriation', batchId: b.batch_id, documentNo: b.document_no, issuerLevel: b.issuer_level,
      recipientUnitCode: b.recipient_unit_code, source: b.source, fiscalYear: b.fiscal_year, amount: yuan(b.amount_fen), effectiveDate: dateText(b.effective_date),
      ...(b.allocation_id ? { fromAllocationId: b.allocation_id } : {}) });
  }
  return out;
}

