import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { revealedColumn, revealedOf } from '../../shared/revealed';
import { batchChainsSql, chainsOf } from '../batches/batch-queries';

/** A payment: its request, links, history, and its trace up to the root 文号. */

type PaymentRow = {
  payment_id: string; project_id: string; allocation_id: string; batch_id: string; unit_code: string; payee_type: string; payee_id: string; payee_name: string;
  account_ref: string; account_masked: string; amount_fen: unknown; purpose: string; installment: string; requested_by: string; effective_date: unknown; recorded_at: unknown;
  replaces_payment_id: string | null; migrated: boolean;
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
  // Links: the payment this one pays again for, and the one that paid again for it (as the basis knows them; at most one, by
  // the replaced payment's own stream). No ordering: it would lead the planner to walk the primary key.
  const lParams: unknown[] = [paymentId];
  const replacedBy = (await q.query<{ payment_id: string }>(
    `select payment_id from rm_payments where replaces_payment_id = $1 and ${basisSql(basis, lParams)}`, lParams)).rows[0]?.payment_id ?? null;
  const executed = steps.filter((x) => x.status === 'executed').pop() as { channel?: string; bankReference?: string } | undefined;
  return {
    paymentId: p.payment_id, projectId: p.project_id, allocationId: p.allocation_id, batchId: p.batch_id, unitCode: p.unit_code,
    status: steps.length ? steps[steps.length - 1].status : 'requested',
    payee: { type: p.payee_type, id: p.payee_id, name: p.payee_name, accountRef: p.account_ref, account: p.account_masked },
    amount: yuan(p.amount_fen), purpose: p.purpose, installment: p.installment, requestedBy: p.requested_by, effectiveDate: dateText(p.effective_date),
    channel: executed?.channel ?? null, bankReference: executed?.bankReference ?? null,
    replaces: p.replaces_payment_id ?? null, replacedBy,
    // Migrated from the old system: listed with its status, but it moved no money here (in no figure).
    migrated: p.migrated === true,
    history: steps,
  };
}

/**
 * A payment's region as it stands now (`unit`, undefined: no such payment), for the reader's scope
 * to be checked first, and its trace under the basis (`trace`, undefined: not recorded by then):
 * the payment, the allocation it was paid from, and the chain of batches up to the root 文号, read
 * in one statement (each part is a read by index; a round trip costs more than any of them).
 */
export async function paymentTraceReading(q: SqlExecutor, paymentId: string, basis: Basis, reveal?: (refsSql: string) => string) {
  const params: unknown[] = [paymentId];
  const paymentWhere = basisSql(basis, params);
  const historyWhere = basisSql(basis, params, 'h');
  const r = await q.query<{ unit: string | null;
    payment: (Pick<PaymentRow, 'payment_id' | 'project_id' | 'allocation_id' | 'batch_id' | 'payee_type' | 'payee_id' | 'payee_name' | 'account_ref' | 'account_masked'
      | 'amount_fen' | 'effective_date' | 'migrated'>) | null; status: string | null; allocation: Record<string, unknown> | null;
    chain: Parameters<typeof chainsOf>[0]; revealed: Record<string, string> | null }>(
    `with p as materialized (
       select payment_id, project_id, allocation_id, batch_id, payee_type, payee_id, payee_name, account_ref, account_masked, amount_fen::text as amount_fen,
         effective_date, migrated
       from rm_payments where payment_id = $1 and ${paymentWhere}),
     chain as (${batchChainsSql('select batch_id from p')})
     select (select unit_code from rm_payments where payment_id = $1) as unit,
       (select to_jsonb(p) from p) as payment,
       (select h.status from rm_payment_history h where h.payment_id = $1 and ${historyWhere} order by h.seq desc limit 1) as status,
       (select to_jsonb(a) from (select a.allocation_id, a.batch_id, a.project_id, a.document_no, a.amount_fen::text as amount_fen, a.effective_date
          from p join rm_allocations a on a.batch_id = p.batch_id and a.allocation_id = p.allocation_id) a) as allocation,
       (select coalesce(jsonb_agg(c), '[]') from chain c) as chain,
       ${revealedColumn(reveal, 'select account_ref from p')}`, params, { prepare: true });
  const { payment: p, status, allocation: a } = r.rows[0];
  const unit = r.rows[0].unit ?? undefined;
  const revealed = revealedOf(r.rows[0]);
  if (!p) return { unit, trace: undefined, revealed };
  const chain = chainsOf(r.rows[0].chain).get(String(p.batch_id)) ?? [];
  return { unit, revealed, trace: {
    payment: { paymentId: p.payment_id, status: status ?? 'requested', amount: yuan(p.amount_fen),
      payee: { type: p.payee_type, id: p.payee_id, name: p.payee_name, accountRef: p.account_ref, account: p.account_masked },
      projectId: p.project_id, effectiveDate: dateText(p.effective_date), migrated: p.migrated === true },
    allocation: a ? { allocationId: a.allocation_id, batchId: a.batch_id, projectId: a.project_id, documentNo: a.document_no, amount: yuan(a.amount_fen),
      effectiveDate: dateText(a.effective_date) } : null,
    chain,
    root: chain[chain.length - 1] ?? null,
  } };
}

export type PaymentTrace = NonNullable<Awaited<ReturnType<typeof paymentTraceReading>>['trace']>;
