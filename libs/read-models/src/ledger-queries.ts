import {
  batchFiguresOfMoves, figuresInYuan, formatFen, projectFiguresOfMoves, regionFiguresOfMoves, significantLength, stageOf, type BatchFigures, type RegionMoves,
} from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from './shared/basis';

/**
 * The read side's questions, answered from the read-model tables. Every money figure is a sum
 * over postings under the requested basis (asOf / knownAt); entity rows are filtered by the
 * same axes, so a view can be replayed as it stood on any date.
 */
const yuan = (v: unknown) => formatFen(BigInt((v as string | number | bigint | null) ?? 0));
const n = (v: unknown) => BigInt((v as string | number | bigint | null) ?? 0);

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
       coalesce(sum(case when event_type = 'FundsHeld' then amount_fen when event_type in ('HoldPosted', 'HoldReleased') then -amount_fen end)
         filter (where batch_id = $1), 0) as held,
       coalesce(sum(case when event_type = 'HoldPosted' then amount_fen when event_type = 'PaymentReversalCredited' then -amount_fen end)
         filter (where batch_id = $1), 0) as paid
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

export async function batchView(q: SqlExecutor, batchId: string, basis: Basis) {
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
  return {
    batchId: b.batch_id, documentNo: b.document_no, title: b.title, source: b.source, issuerLevel: b.issuer_level, recipientUnitCode: b.recipient_unit_code,
    fiscalYear: b.fiscal_year, purpose: b.purpose, countsTowardHouseholdShare: b.counts_toward_household_share, effectiveDate: dateText(b.effective_date),
    rootBatchId: b.root_batch_id, rootDocumentNo: b.root_document_no,
    ...(await batchLife(q, batchId, basis)),
    amount: yuan(b.amount_fen), ...figuresInYuan(figures),
    allocations: allocations.rows.map((a) => {
      const line = lines.get(String(a.allocation_id));
      return {
        allocationId: a.allocation_id, documentNo: a.document_no, effectiveDate: dateText(a.effective_date), amount: yuan(a.amount_fen),
        target: a.target_type === 'batch' ? { type: 'batch', batchId: a.target_batch_id, recipientUnitCode: a.target_unit_code } : { type: 'project', projectId: a.project_id },
        ...(line ? { returned: yuan(line.returned), held: yuan(line.held), paid: yuan(line.paid), available: yuan(line.available) } : {}),
      };
    }),
    parent: b.parent_batch_id ? { batchId: b.parent_batch_id, allocationId: b.allocation_id } : null,
    children: children.rows.map((c) => ({ batchId: c.batch_id, recipientUnitCode: c.recipient_unit_code, amount: yuan(c.amount_fen) })),
  };
}

/** A batch's life as of the basis: open, closed (how its remainder went) or voided (and what replaced it). */
export async function batchLife(q: SqlExecutor, batchId: string, basis: Basis) {
  const params: unknown[] = [batchId];
  const r = await q.query<{ event_type: string; effective_date: unknown; detail: Record<string, unknown> | null }>(
    `select event_type, effective_date, detail from rm_batch_events where batch_id = $1 and event_type in ('FundBatchClosed', 'FundBatchVoided')
       and ${basisSql(basis, params)} order by effective_date, recorded_at limit 1`, params);
  const e = r.rows[0];
  if (!e) return { status: 'open' as const, closedOn: null, voidedOn: null };
  const detail = e.detail ?? {};
  return e.event_type === 'FundBatchClosed'
    ? { status: 'closed' as const, closedOn: dateText(e.effective_date), voidedOn: null, disposal: detail.disposal ?? 'none', carriedOverTo: detail.carriedOverTo ?? null }
    : { status: 'voided' as const, closedOn: null, voidedOn: dateText(e.effective_date), voidReason: detail.reason ?? null, replacedBy: detail.replacedBy ?? null };
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
       coalesce(sum(case when event_type = 'FundsHeld' then amount_fen when event_type in ('HoldPosted', 'HoldReleased') then -amount_fen else 0 end), 0) as held,
       coalesce(sum(case when event_type = 'HoldPosted' then amount_fen when event_type = 'PaymentReversalCredited' then -amount_fen else 0 end), 0) as paid
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
  for (const a of allocations.rows) {
    if (a.target_type === 'batch') {
      const child = await batchFlow(q, String(a.target_batch_id), basis, depth + 1);
      children.push({ type: 'batch', allocationId: a.allocation_id, documentNo: a.document_no, amount: yuan(a.amount_fen), ...(child ?? { batchId: a.target_batch_id, inFlight: true }) });
    } else {
      const line = lines.get(String(a.allocation_id));
      const payees = await payeesOfLine(q, batchId, String(a.allocation_id), basis);
      const f = projectFiguresOfMoves({ committed: line?.committed ?? 0n, returned: line?.returned ?? 0n, held: line?.held ?? 0n, paid: line?.paid ?? 0n });
      children.push({ type: 'project', allocationId: a.allocation_id, projectId: a.project_id, documentNo: a.document_no, amount: yuan(a.amount_fen),
        ...figuresInYuan(f), payees });
    }
  }
  return { batchId, documentNo: b.document_no, recipientUnitCode: b.recipient_unit_code, source: b.source, ...(await batchLife(q, batchId, basis)),
    ...figuresInYuan(figures), children };
}

async function payeesOfLine(q: SqlExecutor, batchId: string, allocationId: string, basis: Basis) {
  const params: unknown[] = [batchId, allocationId];
  const r = await q.query<Record<string, unknown>>(
    `select payee_type, payee_id, max(payee_name) as payee_name,
       sum(case when event_type = 'HoldPosted' then amount_fen else -amount_fen end) as paid
     from postings where batch_id = $1 and allocation_id = $2 and event_type in ('HoldPosted', 'PaymentReversalCredited') and ${basisSql(basis, params)}
     group by payee_type, payee_id order by payee_type, payee_id`,
    params,
  );
  return r.rows.map((x) => ({ type: x.payee_type, id: x.payee_id, name: x.payee_name, paid: yuan(x.paid) }));
}

/** The upstream chain of a batch to its root appropriation, each hop with its 文号. */
export async function batchChain(q: SqlExecutor, batchId: string) {
  return (await batchChains(q, [batchId])).get(batchId) ?? [];
}

/** The chains of several batches in one recursive query (a household's receipts come from many batches). */
export async function batchChains(q: SqlExecutor, batchIds: readonly string[]): Promise<Map<string, Array<Record<string, unknown>>>> {
  const r = await q.query<BatchRow & { start_id: string }>(
    `with recursive chain(start_id, depth, batch_id) as (
       select id, 0, id from unnest($1::text[]) as id
       union all
       select c.start_id, c.depth + 1, b.parent_batch_id from chain c join rm_batches b on b.batch_id = c.batch_id
       where b.parent_batch_id is not null and c.depth < 20)
     select c.start_id, b.* from chain c join rm_batches b on b.batch_id = c.batch_id order by c.start_id, c.depth`, [[...new Set(batchIds)]]);
  const out = new Map<string, Array<Record<string, unknown>>>();
  for (const b of r.rows) {
    const hops = out.get(b.start_id) ?? [];
    out.set(b.start_id, hops);
    hops.push({ hop: b.parent_batch_id ? 'allocation' : 'appropriation', batchId: b.batch_id, documentNo: b.document_no, issuerLevel: b.issuer_level,
      recipientUnitCode: b.recipient_unit_code, source: b.source, fiscalYear: b.fiscal_year, amount: yuan(b.amount_fen), effectiveDate: dateText(b.effective_date),
      ...(b.allocation_id ? { fromAllocationId: b.allocation_id } : {}) });
  }
  return out;
}

type PaymentRow = {
  payment_id: string; project_id: string; allocation_id: string; batch_id: string; unit_code: string; payee_type: string; payee_id: string; payee_name: string;
  account_ref: string; account_masked: string; amount_fen: unknown; purpose: string; installment: string; requested_by: string; effective_date: unknown; recorded_at: unknown;
  replaces_payment_id: string | null;
};

export async function paymentExists(q: SqlExecutor, paymentId: string): Promise<boolean> {
  return (await q.query('select 1 from rm_payments where payment_id = $1', [paymentId])).rowCount > 0;
}

export async function paymentView(q: SqlExecutor, paymentId: string, basis: Basis) {
  const params: unknown[] = [paymentId];
  const p = (await q.query<PaymentRow>(`select * from rm_payments where payment_id = $1 and ${basisSql(basis, params)}`, params)).rows[0];
  if (!p) return undefined;
  const hParams: unknown[] = [paymentId];
  const history = await q.query<Record<string, unknown>>(
    `select status, actor, detail, effective_date, recorded_at from rm_payment_history where payment_id = $1 and ${basisSql(basis, hParams)} order by seq`, hParams);
  const steps = history.rows.map((h) => ({ status: h.status, by: h.actor, effectiveDate: dateText(h.effective_date),
    recordedAt: new Date(h.recorded_at as string).toISOString(), ...(h.detail as object) }));
  // Links: the payment this one pays again for, and the one that paid again for it (as the basis knows them).
  const lParams: unknown[] = [paymentId];
  const replacedBy = (await q.query<{ payment_id: string }>(
    `select payment_id from rm_payments where replaces_payment_id = $1 and ${basisSql(basis, lParams)} order by payment_id limit 1`, lParams)).rows[0]?.payment_id ?? null;
  const executed = steps.filter((x) => x.status === 'executed').pop() as { channel?: string; bankReference?: string } | undefined;
  return {
    paymentId: p.payment_id, projectId: p.project_id, allocationId: p.allocation_id, batchId: p.batch_id, unitCode: p.unit_code,
    status: steps.length ? steps[steps.length - 1].status : 'requested',
    payee: { type: p.payee_type, id: p.payee_id, name: p.payee_name, accountRef: p.account_ref, account: p.account_masked },
    amount: yuan(p.amount_fen), purpose: p.purpose, installment: p.installment, requestedBy: p.requested_by, effectiveDate: dateText(p.effective_date),
    channel: executed?.channel ?? null, bankReference: executed?.bankReference ?? null,
    replaces: p.replaces_payment_id ?? null, replacedBy,
    history: steps,
  };
}

export async function paymentTrace(q: SqlExecutor, paymentId: string, basis: Basis) {
  const p = await paymentView(q, paymentId, basis);
  if (!p) return undefined;
  const a = (await q.query<Record<string, unknown>>('select * from rm_allocations where batch_id = $1 and allocation_id = $2', [p.batchId, p.allocationId])).rows[0];
  const chain = await batchChain(q, p.batchId);
  return {
    payment: { paymentId: p.paymentId, status: p.status, amount: p.amount, payee: p.payee, projectId: p.projectId, effectiveDate: p.effectiveDate },
    allocation: a ? { allocationId: a.allocation_id, batchId: a.batch_id, projectId: a.project_id, documentNo: a.document_no, amount: yuan(a.amount_fen),
      effectiveDate: dateText(a.effective_date) } : null,
    chain,
    root: chain[chain.length - 1] ?? null,
  };
}

export async function projectView(q: SqlExecutor, projectId: string, basis: Basis) {
  const params: unknown[] = [projectId];
  // A proposal has no business date of its own: as of a date, a project exists once it was due to
  // start or had been funded, whichever came first.
  const asOf = basis.asOf ? ` and least(planned_start, (select min(effective_date) from rm_allocations a where a.project_id = rm_projects.project_id)) <= $${params.push(basis.asOf)}::date` : '';
  const p = (await q.query<Record<string, unknown>>(`select * from rm_projects where project_id = $1 and ${basisSql({ knownAt: basis.knownAt }, params)}${asOf}`, params)).rows[0];
  if (!p) return undefined;
  const lines = [...(await lineFigures(q, { projectId }, basis)).values()];
  let committed = 0n, held = 0n, paid = 0n, returned = 0n;
  const bySource = new Map<string, { committed: bigint; returned: bigint; held: bigint; paid: bigint }>();
  for (const l of lines) {
    committed += l.committed; held += l.held; paid += l.paid; returned += l.returned;
    const s = bySource.get(l.source) ?? { committed: 0n, returned: 0n, held: 0n, paid: 0n };
    bySource.set(l.source, { committed: s.committed + l.committed, returned: s.returned + l.returned, held: s.held + l.held, paid: s.paid + l.paid });
  }
  const mParams: unknown[] = [projectId];
  const milestones = (await q.query<Record<string, unknown>>(
    `select * from rm_project_milestones where project_id = $1 and ${basisSql(basis, mParams)} order by effective_date, recorded_at, milestone_id`, mParams)).rows
    .map((m) => ({ milestoneId: m.milestone_id, kind: m.kind, date: dateText(m.effective_date), percentComplete: m.percent_complete ?? null, result: m.result ?? null,
      publicUntil: m.public_until ? dateText(m.public_until) : null, documentNo: m.document_no ?? null, note: m.note ?? null,
      recordedAt: new Date(m.recorded_at as string).toISOString() }));
  const percents = milestones.map((m) => (m.kind === 'completed' ? 100 : Number(m.percentComplete ?? 0)));
  const accepted = milestones.filter((m) => m.kind === 'accepted').pop();
  const payParams: unknown[] = [projectId];
  const payments = await q.query<{ payment_id: string }>(`select payment_id from rm_payments where project_id = $1 and ${basisSql(basis, payParams)} order by effective_date, payment_id`, payParams);
  const paymentViews = [];
  for (const row of payments.rows) paymentViews.push(await paymentView(q, row.payment_id, basis));
  return {
    projectId: p.project_id, name: p.name, type: p.type, unitCode: p.unit_code, implementer: p.implementer, budget: yuan(p.budget_fen),
    plannedStart: dateText(p.planned_start), plannedEnd: dateText(p.planned_end),
    stage: stageOf(milestones.map((m) => String(m.kind))), percentComplete: Math.max(0, ...percents), acceptance: (accepted?.result as string | undefined) ?? null,
    milestones,
    ...figuresInYuan(projectFiguresOfMoves({ committed, returned, held, paid })),
    funding: lines.map((l) => ({ allocationId: l.allocationId, batchId: l.batchId, rootBatchId: l.rootBatchId, source: l.source, fiscalYear: l.fiscalYear,
      ...figuresInYuan(projectFiguresOfMoves({ committed: l.committed, returned: l.returned, held: l.held, paid: l.paid })) })),
    fundingBySource: [...bySource.entries()].map(([source, f]) => ({ source, ...figuresInYuan(projectFiguresOfMoves(f)) })),
    payments: paymentViews.filter(Boolean).map((v) => ({ paymentId: v!.paymentId, status: v!.status, amount: v!.amount, installment: v!.installment,
      payee: v!.payee, effectiveDate: v!.effectiveDate })),
  };
}

/** The significant digits of a unit code: sub-units share them as a prefix. */
export const unitPrefix = (code: string) => code.slice(0, significantLength(code));

type UnitFigureRow = { source: unknown; fiscal_year: unknown } & Record<(typeof REGION_COLUMNS)[number], unknown>;

/** The region figures stored per row of unit_flows and summed by the scan, in the glossary's names. */
export const REGION_COLUMNS = ['received', 'returned', 'allocated', 'committed', 'returned_from_projects', 'held', 'paid'] as const;
const regionMoves = (x: Record<string, unknown>): RegionMoves => ({ received: n(x.received), returned: n(x.returned), allocated: n(x.allocated),
  committed: n(x.committed), returnedFromProjects: n(x.returned_from_projects), held: n(x.held), paid: n(x.paid) });

function unitFiguresOf(rows: readonly UnitFigureRow[], householdsReached: number) {
  const total: RegionMoves = { received: 0n, returned: 0n, allocated: 0n, committed: 0n, returnedFromProjects: 0n, held: 0n, paid: 0n };
  const bySourceAndYear = rows.map((x) => {
    const m = regionMoves(x);
    for (const k of Object.keys(total) as Array<keyof RegionMoves>) total[k] += m[k];
    return { source: String(x.source), fiscalYear: Number(x.fiscal_year), ...figuresInYuan(regionFiguresOfMoves(m)) };
  });
  return { ...figuresInYuan(regionFiguresOfMoves(total)), householdsReached, bySourceAndYear };
}

export type UnitFigures = ReturnType<typeof unitFiguresOf>;

/**
 * A unit and its sub-units: what arrived from outside, what went back out, what was committed
 * to projects, held and paid inside, by source and year. Read from the unit rollups for the
 * present and for any asOf date; a knownAt cut needs each posting's recording instant, so it
 * (and the whole country, which has no prefix) is answered by the scan.
 */
export async function unitFigures(q: SqlExecutor, code: string, basis: Basis): Promise<UnitFigures> {
  return (await unitsFigures(q, [code], basis)).get(code)!;
}

/** unitFigures of several units in two queries: a county and its townships read together. */
export async function unitsFigures(q: SqlExecutor, codes: readonly string[], basis: Basis): Promise<Map<string, UnitFigures>> {
  const out = new Map<string, UnitFigures>();
  const prefixes = codes.map(unitPrefix);
  if (basis.knownAt || prefixes.some((p) => p === '')) {
    for (const code of codes) out.set(code, await unitFiguresByScan(q, code, basis));
    return out;
  }
  const params: unknown[] = [prefixes];
  const asOf = basis.asOf ? `and effective_date <= $${params.push(basis.asOf)}::date` : '';
  const flows = await q.query<UnitFigureRow & { unit_prefix: string }>(
    `select unit_prefix, source, fiscal_year, ${REGION_COLUMNS.map((c) => `sum(${c}) as ${c}`).join(', ')}
     from unit_flows where unit_prefix = any($1::text[]) ${asOf} group by unit_prefix, source, fiscal_year order by unit_prefix, source, fiscal_year`, params);
  const reach = await q.query<{ unit_prefix: string; n: unknown }>(
    `select unit_prefix, sum(households) as n from unit_household_reach where unit_prefix = any($1::text[]) ${asOf} group by unit_prefix`, params);
  codes.forEach((code, i) => {
    const p = prefixes[i];
    out.set(code, unitFiguresOf(flows.rows.filter((r) => r.unit_prefix === p), Number(reach.rows.find((r) => r.unit_prefix === p)?.n ?? 0)));
  });
  return out;
}

/** The reference definition of unitFigures: one pass over the unit's postings. */
export async function unitFiguresByScan(q: SqlExecutor, code: string, basis: Basis): Promise<UnitFigures> {
  const prefix = unitPrefix(code);
  const params: unknown[] = [prefix];
  const inS = (col: string) => `(${col} is not null and left(${col}, length($1)) = $1)`;
  // The same rules as flowContributions (postings/unit-rollups.ts), leg by leg, as SQL.
  const inTo = inS('to_unit'), inFrom = inS('from_unit');
  const r = await q.query<UnitFigureRow>(
    `select source, fiscal_year,
       coalesce(sum(case when ${inTo} and not ${inFrom} and event_type in ('FundBatchIssued', 'FundsAllocated', 'FundsReturned', 'AllocationFundsReturned') then amount_fen
                         when ${inFrom} and not ${inTo} and event_type in ('FundBatchVoided', 'AllocationVoided') then -amount_fen end), 0) as received,
       coalesce(sum(amount_fen) filter (where ${inFrom} and not ${inTo} and event_type in ('FundsAllocated', 'FundsReturned', 'AllocationFundsReturned')), 0) as returned,
       coalesce(sum(case when event_type = 'FundsAllocated' and to_account like 'batch:%' and ${inFrom} then amount_fen
                         when event_type = 'AllocationVoided' and ${inTo} then -amount_fen end), 0) as allocated,
       coalesce(sum(amount_fen) filter (where event_type = 'FundsAllocated' and to_account like 'line:%'), 0) as committed,
       coalesce(sum(amount_fen) filter (where event_type = 'AllocationFundsReturned'), 0) as returned_from_projects,
       coalesce(sum(case when event_type = 'FundsHeld' then amount_fen when event_type in ('HoldPosted', 'HoldReleased') then -amount_fen else 0 end)
         filter (where ${inFrom}), 0) as held,
       coalesce(sum(case when event_type = 'HoldPosted' then amount_fen when event_type = 'PaymentReversalCredited' then -amount_fen else 0 end)
         filter (where ${inFrom} or (event_type = 'PaymentReversalCredited' and ${inTo})), 0) as paid
     from postings where (${inTo} or ${inFrom}) and ${basisSql(basis, params)}
     group by source, fiscal_year order by source, fiscal_year`,
    params,
  );
  const hParams: unknown[] = [prefix];
  // Households of this unit that received money (from any programme, village or county), net of reversals.
  const households = await q.query<{ n: unknown }>(
    `select count(*) as n from (select p.payee_id from postings p join rm_households h on h.household_id = p.payee_id
       where p.payee_type = 'household' and p.event_type in ('HoldPosted', 'PaymentReversalCredited')
         and left(h.unit_code, length($1)) = $1 and ${basisSql(basis, hParams, 'p')}
       group by p.payee_id having sum(case when p.event_type = 'HoldPosted' then p.amount_fen else -p.amount_fen end) > 0) x`, hParams);
  return unitFiguresOf(r.rows, Number(households.rows[0].n));
}

export async function unitSummary(q: SqlExecutor, code: string, basis: Basis) {
  const unit = (await q.query<Record<string, unknown>>('select * from rm_admin_units where code = $1', [code])).rows[0];
  if (!unit) return undefined;
  const subs = await q.query<Record<string, unknown>>('select code, name, level from rm_admin_units where parent_code = $1 order by code', [code]);
  const figures = await unitsFigures(q, [code, ...subs.rows.map((s) => String(s.code))], basis);
  const subUnits = subs.rows.map((s) => ({ code: s.code, name: s.name, level: s.level, ...figures.get(String(s.code))! }));
  return { code: unit.code, name: unit.name, level: unit.level, ...figures.get(code)!, subUnits };
}

/** 公示: what a village (or any unit) received, project by project and payee by payee. */
export async function disclosure(q: SqlExecutor, code: string, basis: Basis) {
  const unit = (await q.query<Record<string, unknown>>('select * from rm_admin_units where code = $1', [code])).rows[0];
  if (!unit) return undefined;
  const prefix = unitPrefix(code);
  const projects = await q.query<{ project_id: string }>('select project_id from rm_projects where left(unit_code, length($1)) = $1 order by project_id', [prefix]);
  const views = [];
  for (const p of projects.rows) {
    const v = await projectView(q, p.project_id, basis);
    if (v) views.push({ projectId: v.projectId, name: v.name, type: v.type, unitCode: v.unitCode, implementer: v.implementer, budget: v.budget, committed: v.committed,
      returned: v.returned, paid: v.paid, balance: v.balance, fundingBySource: v.fundingBySource,
      payments: v.payments.filter((x) => x.status === 'executed').map((x) => ({ paymentId: x.paymentId, amount: x.amount, effectiveDate: x.effectiveDate, payee: x.payee })) });
  }
  // What each registered household of the unit received, from any programme (names are posted publicly in 公示).
  const hParams: unknown[] = [prefix];
  const rows = await q.query<{ household_id: string; members: Array<{ name: string; relation: string }>; received: string }>(
    `select h.household_id, h.members, coalesce(sum(case when p.event_type = 'HoldPosted' then p.amount_fen when p.event_type = 'PaymentReversalCredited' then -p.amount_fen end), 0)::text as received
     from rm_households h left join postings p on p.payee_type = 'household' and p.payee_id = h.household_id
       and p.event_type in ('HoldPosted', 'PaymentReversalCredited') and ${basisSql(basis, hParams, 'p')}
     where left(h.unit_code, length($1)) = $1 group by h.household_id, h.members order by h.household_id limit 1000`, hParams);
  const householdsReceived = rows.rows.map((r) => ({ householdId: r.household_id, head: r.members.find((m) => m.relation === 'head')?.name ?? null,
    received: yuan(r.received) }));
  return { code: unit.code, name: unit.name, level: unit.level, totals: await unitFigures(q, code, basis), projects: views, households: householdsReceived };
}
