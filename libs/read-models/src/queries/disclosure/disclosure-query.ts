import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, type Basis } from '../../shared/basis';
import { paidDelta, yuan } from '../../shared/figure-sql';
import { projectView } from '../projects/project-queries';
import { unitFigures, unitPrefix } from '../regions/region-queries';

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
      // Every project figure, held too: without it a row's committed − returned − paid did not make its balance.
      returned: v.returned, held: v.held, paid: v.paid, balance: v.balance, fundingBySource: v.fundingBySource,
      // A payment is made public by the day it was paid (as a household's receipts are), beside the day it was requested;
      // one migrated from the old system is in none of the figures posted beside it, so it is not posted as paid here.
      payments: v.payments.filter((x) => x.status === 'executed' && !x.migrated).map((x) => ({ paymentId: x.paymentId, amount: x.amount, effectiveDate: x.effectiveDate,
        paidOn: x.paidOn, payee: x.payee })) });
  }
  // What each registered household of the unit received, from any programme (names are posted publicly in 公示).
  const hParams: unknown[] = [prefix];
  const rows = await q.query<{ household_id: string; members: Array<{ name: string; relation: string }>; received: string }>(
    `select h.household_id, h.members, coalesce(sum(${paidDelta('p')}), 0)::text as received
     from rm_households h left join postings p on p.payee_type = 'household' and p.payee_id = h.household_id
       and p.event_type in ('HoldPosted', 'PaymentReversalCredited') and ${basisSql(basis, hParams, 'p')}
     where left(h.unit_code, length($1)) = $1 group by h.household_id, h.members order by h.household_id limit 1000`, hParams);
  const householdsReceived = rows.rows.map((r) => ({ householdId: r.household_id, head: r.members.find((m) => m.relation === 'head')?.name ?? null,
    received: yuan(r.received) }));
  return { code: unit.code, name: unit.name, level: unit.level, totals: await unitFigures(q, code, basis), projects: views, households: householdsReceived };
}

