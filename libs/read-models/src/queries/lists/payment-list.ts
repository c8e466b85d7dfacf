import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { orderBy, underPrefix, type ListPage, type ListResult } from './list-page';

export const PAYMENT_STATUSES = ['requested', 'approved', 'rejected', 'executed', 'failed', 'reversed'] as const;
export const PAYMENT_SORTS = ['effectiveDate', 'amount', 'recordedAt', 'paymentId'] as const;

export type PaymentListFilter = {
  unitPrefix: string;
  /** The status as of the basis: the payment's last step the basis knows. */
  status?: string;
  projectId?: string; payeeId?: string; payeeType?: string; requestedBy?: string; approvedBy?: string; channel?: string;
  /** Business date of the request, inclusive. */
  dateFrom?: string; dateTo?: string;
  amountMinFen?: bigint; amountMaxFen?: bigint;
  /** The approver's queue: requests still waiting for a decision, other than those this principal made. */
  queueFor?: string;
};

export type PaymentListItem = {
  paymentId: string; projectId: string; unitCode: string; status: string;
  payee: { type: string; id: string; name: string; account: string; accountRef?: string };
  amount: string; installment: string; purpose: string; effectiveDate: string; recordedAt: string;
  requestedBy: string; decidedBy: string | null; channel: string | null;
  /** Migrated from the old system: listed with its status, in no figure. */
  migrated: boolean;
};

const COLUMNS = { effectiveDate: 'p.effective_date', amount: 'p.amount_fen', recordedAt: 'p.recorded_at', paymentId: 'p.payment_id' };

/**
 * Payments in a region, filtered and paged. The request's own columns are filtered through
 * rm_payments' indexes; a payment's state under the basis (status, who decided, the channel) is
 * its history read through (payment_id, seq), only for the page unless a filter needs it for
 * every candidate.
 */
export async function listPayments(q: SqlExecutor, f: PaymentListFilter, page: ListPage, basis: Basis): Promise<ListResult<PaymentListItem>> {
  const params: unknown[] = [underPrefix(f.unitPrefix)];
  const where = ['p.unit_code like $1', basisSql(basis, params, 'p')];
  const eq = (column: string, value: string | undefined) => value !== undefined && where.push(`${column} = $${params.push(value)}`);
  eq('p.project_id', f.projectId);
  eq('p.payee_id', f.payeeId);
  eq('p.payee_type', f.payeeType);
  eq('p.requested_by', f.requestedBy);
  if (f.dateFrom) where.push(`p.effective_date >= $${params.push(f.dateFrom)}::date`);
  if (f.dateTo) where.push(`p.effective_date <= $${params.push(f.dateTo)}::date`);
  if (f.amountMinFen !== undefined) where.push(`p.amount_fen >= $${params.push(f.amountMinFen.toString())}::bigint`);
  if (f.amountMaxFen !== undefined) where.push(`p.amount_fen <= $${params.push(f.amountMaxFen.toString())}::bigint`);
  if (f.queueFor !== undefined) where.push(`p.requested_by <> $${params.push(f.queueFor)}`);
  const state = `left join lateral (
      select (array_agg(h.status order by h.seq desc))[1] as status,
             (array_agg(h.actor order by h.seq desc) filter (where h.status = 'approved'))[1] as approved_by,
             (array_agg(h.actor order by h.seq desc) filter (where h.status in ('approved', 'rejected')))[1] as decided_by,
             (array_agg(h.detail->>'channel' order by h.seq desc) filter (where h.status = 'executed'))[1] as channel
      from rm_payment_history h where h.payment_id = p.payment_id and ${basisSql(basis, params, 'h')}) s on true`;
  const stateWhere: string[] = [];
  const status = f.queueFor !== undefined ? 'requested' : f.status;
  if (status !== undefined) stateWhere.push(`s.status = $${params.push(status)}`);
  if (f.approvedBy !== undefined) stateWhere.push(`s.approved_by = $${params.push(f.approvedBy)}`);
  if (f.channel !== undefined) stateWhere.push(`s.channel = $${params.push(f.channel)}`);
  const order = orderBy(page.sort, COLUMNS, 'p.payment_id');
  const all = [...where, ...stateWhere].join(' and ');
  const [count, rows] = stateWhere.length
    ? await Promise.all([
      q.query<{ total: string }>(`select count(*) as total from rm_payments p ${state} where ${all}`, params),
      q.query<Record<string, unknown>>(`select p.*, s.* from rm_payments p ${state} where ${all} order by ${order}
        limit ${page.limit} offset ${page.offset}`, params),
    ])
    : await Promise.all([
      // Without a filter on the state, the count needs no history at all.
      q.query<{ total: string }>(`select count(*) as total from rm_payments p where ${where.join(' and ')}`, params.slice(0, maxParam(where))),
      q.query<Record<string, unknown>>(`select p.*, s.* from (select p.* from rm_payments p where ${where.join(' and ')} order by ${order}
        limit ${page.limit} offset ${page.offset}) p ${state} order by ${order}`, params),
    ]);
  return {
    total: Number(count.rows[0]?.total ?? 0),
    items: rows.rows.map((r) => ({
      paymentId: String(r.payment_id), projectId: String(r.project_id), unitCode: String(r.unit_code), status: String(r.status ?? 'requested'),
      payee: { type: String(r.payee_type), id: String(r.payee_id), name: String(r.payee_name), account: String(r.account_masked), accountRef: String(r.account_ref) },
      amount: yuan(r.amount_fen), installment: String(r.installment), purpose: String(r.purpose), effectiveDate: dateText(r.effective_date),
      recordedAt: new Date(r.recorded_at as string).toISOString(), requestedBy: String(r.requested_by), decidedBy: (r.decided_by as string | null) ?? null,
      channel: (r.channel as string | null) ?? null, migrated: r.migrated === true,
    })),
  };
}

/** The highest $n a set of conditions uses: a statement may not be sent parameters it does not use. */
export function maxParam(conditions: readonly string[]): number {
  return Math.max(0, ...conditions.join(' ').match(/\$[0-9]+/g)?.map((m) => Number(m.slice(1))) ?? []);
}
