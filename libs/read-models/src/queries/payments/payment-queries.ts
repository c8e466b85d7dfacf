import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { batchChain } from '../batches/batch-queries';

/** A payment: its request, links, history, and its trace up to the root 文号. */

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

