import { figuresInYuan, projectFiguresOfMoves, stageOf } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { lineFigures } from '../batches/batch-queries';

/**
 * A proposal has no business date of its own: as of a date, a project exists once its first
 * milestone (its approval, 立项), its planned start or its first funding had come, whichever came
 * first. Without the milestones, a project approved in March and funded in April was not found as
 * of its own approval.
 */
export const projectExistsBy = (alias: string, date: string, knownAt?: string) => {
  // Under knownAt, only the funding and milestones recorded by then count.
  const known = (a: string) => (knownAt ? ` and ${a}.recorded_at <= ${knownAt}` : '');
  return `least(${alias}.planned_start,
  (select min(a.effective_date) from rm_allocations a where a.project_id = ${alias}.project_id${known('a')}),
  (select min(m.effective_date) from rm_project_milestones m where m.project_id = ${alias}.project_id${known('m')})) <= ${date}`;
};

/** Which of a project's payments a view carries: a page of them (by request date, then id), or all. */
export type PaymentsPage = { offset: number; limit: number } | 'all';

/**
 * A project: stage and milestones, its figures by funding line and source, its payments (a page of
 * them: a programme paying a county's households has 50,000, 7–12 MB as one answer, more than any
 * page can show), how many there are, and the advances claimed (what the advance gate weighs).
 */
export async function projectView(q: SqlExecutor, projectId: string, basis: Basis, page: PaymentsPage = 'all') {
  const params: unknown[] = [projectId];
  const asOf = basis.asOf ? ` and ${projectExistsBy('rm_projects', `$${params.push(basis.asOf)}::date`,
    basis.knownAt ? `$${params.push(basis.knownAt.toISOString())}::timestamptz` : undefined)}` : '';
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
  const { payments, ...counts } = await projectPayments(q, projectId, basis, page);
  const offset = page === 'all' ? 0 : page.offset;
  return {
    projectId: p.project_id, name: p.name, type: p.type, unitCode: p.unit_code, implementer: p.implementer, budget: yuan(p.budget_fen),
    plannedStart: dateText(p.planned_start), plannedEnd: dateText(p.planned_end),
    stage: stageOf(milestones.map((m) => String(m.kind))), percentComplete: Math.max(0, ...percents), acceptance: (accepted?.result as string | undefined) ?? null,
    milestones,
    ...figuresInYuan(projectFiguresOfMoves({ committed, returned, held, paid })),
    funding: lines.map((l) => ({ allocationId: l.allocationId, batchId: l.batchId, rootBatchId: l.rootBatchId, source: l.source, fiscalYear: l.fiscalYear,
      ...figuresInYuan(projectFiguresOfMoves({ committed: l.committed, returned: l.returned, held: l.held, paid: l.paid })) })),
    fundingBySource: [...bySource.entries()].map(([source, f]) => ({ source, ...figuresInYuan(projectFiguresOfMoves(f)) })),
    paymentCount: counts.count,
    // Open advance claims (requested, approved or paid; not rejected, failed or reversed) of the ledger's own payments: what the
    // deciders weigh against the advance cap, summed over every payment, not only the page's.
    advancesClaimed: yuan(counts.advancesFen),
    paymentsOffset: offset,
    paymentsNextOffset: offset + payments.length < counts.count && payments.length > 0 ? offset + payments.length : null,
    payments,
  };
}

/**
 * The project's payments under the basis (all of them, or a page), each with its status (its last
 * step by then) and the day it was paid (its last execution by then, for a 公示 dated as a
 * household's receipts are), with how many there are and the open advance claims among them (what
 * the advance cap weighs; a migrated payment is no claim), in one statement, so a page and its
 * count are one reading of the tables. A programme paying a county's households has 50,000
 * payments: reading each payment's view in turn took 17–20 s.
 */
async function projectPayments(q: SqlExecutor, projectId: string, basis: Basis, page: PaymentsPage) {
  const params: unknown[] = [projectId];
  const historyWhere = basisSql(basis, params, 'h');
  // The page is cut before each payment's steps are read, from the project's index alone (the rows skipped by an offset are
  // index entries, not rows read: 25,000 of them cost 150 ms as rows).
  const pageRows = page === 'all' ? `select p.* from rm_payments p where p.project_id = $1 and ${basisSql(basis, params, 'p')}`
    : `select p.* from (select k.payment_id from rm_payments k where k.project_id = $1 and ${basisSql(basis, params, 'k')}
         order by k.effective_date, k.payment_id limit ${page.limit} offset ${page.offset}) k join rm_payments p on p.payment_id = k.payment_id`;
  // One pass over each payment's steps gives both its last step and its last execution.
  const listed = `select p.payment_id, p.amount_fen::text as amount_fen, p.installment, p.payee_type, p.payee_id, p.payee_name, p.account_ref, p.account_masked,
            p.effective_date, p.migrated, coalesce(steps.status, 'requested') as status, steps.paid_on
       from (${pageRows}) p
       left join lateral (select (array_agg(h.status order by h.seq desc))[1] as status,
                                 (array_agg(h.effective_date order by h.seq desc) filter (where h.status = 'executed'))[1] as paid_on
                            from rm_payment_history h where h.payment_id = p.payment_id and ${historyWhere}) steps on true`;
  // The count is read from the project's index alone (rm_payments_project_idx carries both axes' columns); the last step is
  // read only for the advances, a handful a project, found by an index of their own (one pass over a programme's 30,000
  // rows for both took 130 ms). Left-joined, so a page past the end still answers them.
  const countWhere = basisSql(basis, params, 'c');
  const rows = (await q.query<Record<string, unknown>>(
    `select t.total_count, t.advances_total, x.* from (select
         (select count(*) from rm_payments c where c.project_id = $1 and ${countWhere})::text as total_count,
         (select coalesce(sum(c.amount_fen), 0) from rm_payments c
           where c.project_id = $1 and c.installment = 'advance' and not c.migrated and ${countWhere}
             and coalesce((select h.status from rm_payment_history h where h.payment_id = c.payment_id and ${historyWhere} order by h.seq desc limit 1),
                          'requested') in ('requested', 'approved', 'executed'))::text as advances_total) t
       left join (${listed}) x on true
       order by x.effective_date, x.payment_id`, params)).rows;
  const payments = rows.filter((r) => r.payment_id !== null && r.payment_id !== undefined).map((r) => ({ paymentId: String(r.payment_id), status: String(r.status),
    amount: yuan(r.amount_fen), installment: String(r.installment),
    payee: { type: String(r.payee_type), id: String(r.payee_id), name: String(r.payee_name), accountRef: r.account_ref as string, account: r.account_masked as string },
    effectiveDate: dateText(r.effective_date), paidOn: r.paid_on ? dateText(r.paid_on) : null, migrated: r.migrated === true }));
  return { payments, count: Number(rows[0].total_count), advancesFen: String(rows[0].advances_total) };
}
