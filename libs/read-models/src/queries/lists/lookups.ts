import type { SqlExecutor } from '@yuantrace/event-store';
import { dateText } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { underPrefix } from './list-page';

/**
 * Who in a region carries a given identity number or bank account, found by its vault ref (the
 * keyed hash events carry instead of the value), never by the value itself. Only rows within the
 * region are read at all: what lies outside it is not looked at, so nothing of it can leak.
 */
export async function householdsByIdentityRef(q: SqlExecutor, ref: string, unitPrefix: string) {
  const r = await q.query<Record<string, any>>(
    `select h.household_id, h.unit_code, h.category, h.registered_on, h.members,
       coalesce((select s.status from rm_household_status s where s.household_id = h.household_id order by s.effective_date desc, s.recorded_at desc limit 1), 'registered') as status
     from rm_households h where h.members @> $1::jsonb and h.unit_code like $2 order by h.household_id`,
    [JSON.stringify([{ idRef: ref }]), underPrefix(unitPrefix)]);
  return r.rows.map((h) => {
    const member = (h.members as Array<{ name: string; relation: string; birthYear: number; idRef: string; idMasked: string }>).find((m) => m.idRef === ref)!;
    return {
      householdId: String(h.household_id), unitCode: String(h.unit_code), category: String(h.category), registeredOn: dateText(h.registered_on), status: String(h.status),
      member: { name: member.name, relation: member.relation, birthYear: member.birthYear, idMasked: member.idMasked },
    };
  });
}

export async function paymentsByAccountRef(q: SqlExecutor, ref: string, unitPrefix: string) {
  const r = await q.query<Record<string, any>>(
    `select p.payment_id, p.project_id, p.unit_code, p.payee_type, p.payee_id, p.payee_name, p.account_masked, p.amount_fen, p.effective_date,
       (select h.status from rm_payment_history h where h.payment_id = p.payment_id order by h.seq desc limit 1) as status
     from rm_payments p where p.account_ref = $1 and p.unit_code like $2 order by p.effective_date, p.payment_id`,
    [ref, underPrefix(unitPrefix)]);
  return r.rows.map((p) => ({
    paymentId: String(p.payment_id), projectId: String(p.project_id), unitCode: String(p.unit_code), status: String(p.status ?? 'requested'),
    payee: { type: String(p.payee_type), id: String(p.payee_id), name: String(p.payee_name) }, accountMasked: String(p.account_masked),
    householdId: p.payee_type === 'household' ? String(p.payee_id) : null, amount: yuan(p.amount_fen), effectiveDate: dateText(p.effective_date),
  }));
}
