import { unitPrefix } from '../regions/region-queries';
import { caseDecider, fenFromJson, formatFen, isOverdue, recoveredByFinding, type BusinessDate, type CaseEvent, type CaseState, type OpenCase } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';

/**
 * Cases: one case with its timeline, and the list of cases in a region (整改销号进度, DOMAIN.md
 * §4.2 q. 12). `on` is the day overdue is judged on: the basis's asOf, else today.
 */

/** A case as its steps fold it (the decider's own evolve), rendered for the API: amounts in yuan. */
export function caseResource(s: OpenCase, on: BusinessDate) {
  const o = s.opening;
  const recovered = recoveredByFinding(s);
  const yuanOrNull = (fen: string | null) => (fen === null ? null : formatFen(fenFromJson(fen)));
  return {
    caseId: o.caseId, title: o.title, source: o.source, subjectUnitCode: o.subjectUnitCode, alertIds: o.alertIds, crossInspection: o.crossInspection,
    dueDate: o.dueDate, openedBy: o.openedBy, openedOn: o.effectiveDate, status: s.status, overdue: isOverdue(s, on),
    findings: s.findings.map((f) => ({ findingId: f.findingId, findingType: f.findingType, description: f.description, amount: yuanOrNull(f.amountFen),
      recovered: formatFen(recovered.get(f.findingId) ?? 0n), responsiblePersons: f.responsiblePersons, recordedBy: f.recordedBy, effectiveDate: f.effectiveDate })),
    rectifications: s.rectifications.map((r) => {
      const common = { rectificationId: r.rectificationId, kind: r.kind, findingId: r.findingId, description: r.description, recordedBy: r.recordedBy, effectiveDate: r.effectiveDate };
      if (r.kind === 'funds_recovered') return { ...common, amount: formatFen(fenFromJson(r.amountFen)), paymentIds: r.paymentIds, returns: r.returns };
      if (r.kind === 'accountability') return { ...common, personName: r.personName, measure: r.measure };
      return common;
    }),
    recovered: formatFen([...recovered.values()].reduce((a, b) => a + b, 0n)),
    proposal: s.status === 'closure_proposed' || s.status === 'closed' ? s.proposal ?? null : null,
    closure: s.closure ? { confirmedBy: s.closure.confirmedBy, comment: s.closure.comment, effectiveDate: s.closure.effectiveDate } : null,
  };
}

type StepRow = { type: string; status: string; actor: string | null; data: unknown; effective_date: unknown; recorded_at: unknown };

/** Where the case lies, for the scope check before anything else is read (undefined: no such case). */
export async function caseUnit(q: SqlExecutor, caseId: string): Promise<string | undefined> {
  return (await q.query<{ unit: string }>('select subject_unit_code as unit from rm_cases where case_id = $1', [caseId])).rows[0]?.unit;
}

/** The case as it stood under the basis, with every step of its timeline; undefined when it had not been opened by then. */
export async function caseView(q: SqlExecutor, caseId: string, basis: Basis, today: BusinessDate) {
  const params: unknown[] = [caseId];
  const rows = (await q.query<StepRow>(
    `select type, status, actor, data, effective_date, recorded_at from rm_case_steps where case_id = $1 and ${basisSql(basis, params)} order by seq`, params)).rows;
  const state = rows.reduce<CaseState>((s, r) => caseDecider.evolve(s, { type: r.type, data: asObject(r.data) } as CaseEvent), caseDecider.initialState());
  if (state.status === 'none') return undefined;
  return {
    ...caseResource(state, basis.asOf ?? today),
    timeline: rows.map((r) => ({ step: r.type, status: r.status, by: r.actor, effectiveDate: dateText(r.effective_date),
      recordedAt: new Date(r.recorded_at as string).toISOString() })),
  };
}

/** jsonb comes back parsed from pg and PGlite alike; a string is parsed for safety. */
const asObject = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

export type CaseListFilter = { scope: string; unitCode?: string; status?: string; overdue?: boolean; after?: string; limit: number };

/**
 * The cases whose subject lies in the reader's region (and under unitCode), as they stood under
 * the basis: each case's status is the one its last step under the basis left it in; overdue is
 * not closed with its deadline before `on`. Ordered by case id, a page at a time.
 */
export async function caseList(q: SqlExecutor, f: CaseListFilter, basis: Basis, today: BusinessDate) {
  const on = basis.asOf ?? today;
  const params: unknown[] = [];
  const where: string[] = [basisSql(basis, params, 'c')];
  for (const unit of [f.scope, f.unitCode]) {
    if (unit === undefined) continue;
    params.push(`${unitPrefix(unit)}%`);
    where.push(`c.subject_unit_code like $${params.length}`);
  }
  const stepBasis = basisSql(basis, params, 's');
  if (f.status) {
    params.push(f.status);
    where.push(`st.status = $${params.length}`);
  }
  params.push(on);
  const onParam = `$${params.length}::date`;
  if (f.overdue !== undefined) where.push(`${f.overdue ? '' : 'not '}(st.status <> 'closed' and c.due_date < ${onParam})`);
  if (f.after !== undefined) {
    params.push(f.after);
    where.push(`c.case_id > $${params.length}`);
  }
  params.push(f.limit + 1);
  const rows = (await q.query<Record<string, unknown>>(
    `select c.case_id, c.title, c.source, c.subject_unit_code, c.cross_inspection, c.due_date, c.opened_by, c.effective_date, st.status,
            (st.status <> 'closed' and c.due_date < ${onParam}) as overdue
       from rm_cases c
       cross join lateral (select s.status from rm_case_steps s where s.case_id = c.case_id and ${stepBasis} order by s.seq desc limit 1) st
      where ${where.join(' and ')}
      order by c.case_id limit $${params.length}`, params)).rows;
  const page = rows.slice(0, f.limit);
  return {
    cases: page.map((r) => ({ caseId: String(r.case_id), title: String(r.title), source: String(r.source), subjectUnitCode: String(r.subject_unit_code),
      crossInspection: Boolean(r.cross_inspection), dueDate: dateText(r.due_date), openedBy: String(r.opened_by), openedOn: dateText(r.effective_date),
      status: String(r.status), overdue: Boolean(r.overdue) })),
    last: rows.length > f.limit ? String(page[page.length - 1].case_id) : null,
  };
}
