import type { SqlExecutor } from '@yuantrace/event-store';
import { batchChains } from '../batches/batch-queries';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { paidDeltaOf, yuan } from '../../shared/figure-sql';

export async function householdExists(q: SqlExecutor, id: string): Promise<boolean> {
  return (await q.query('select 1 from rm_households where household_id = $1', [id])).rowCount > 0;
}

/**
 * A household: profile (members with vault refs, for the caller to reveal or not), status
 * history, every receipt with its origin and chain to the root 文号, and totals by year,
 * source and project type. Receipts are postings to the household's payee account.
 */
export async function householdView(q: SqlExecutor, id: string, basis: Basis) {
  const hParams: unknown[] = [id];
  const sParams: unknown[] = [id];
  const rParams: unknown[] = [id];
  // The profile, its status history and its receipts are independent reads: on a server they run side by side.
  const [profile, statuses, rows] = await Promise.all([
    q.query<Record<string, any>>(
      `select * from rm_households where household_id = $1 and ${basisSql({ knownAt: basis.knownAt }, hParams)}
         ${basis.asOf ? `and registered_on <= $${hParams.push(basis.asOf)}::date` : ''}`, hParams),
    q.query<Record<string, unknown>>(
      `select status, reason, document_no, effective_date, recorded_at from rm_household_status where household_id = $1 and ${basisSql(basis, sParams)}
       order by effective_date, recorded_at`, sParams),
    q.query<Record<string, unknown>>(
      `select p.payment_id, p.event_type, p.amount_fen, p.effective_date, p.recorded_at, p.source, p.fiscal_year, p.root_batch_id, p.batch_id, p.allocation_id,
              p.project_id, pr.name as project_name, pr.type as project_type, rb.document_no as root_document_no
       from postings p left join rm_projects pr on pr.project_id = p.project_id left join rm_batches rb on rb.batch_id = p.root_batch_id
       where p.payee_type = 'household' and p.payee_id = $1 and p.event_type in ('HoldPosted', 'PaymentReversalCredited') and ${basisSql(basis, rParams, 'p')}
       order by p.effective_date, p.commit_position, p.prepare_position`, rParams),
  ]);
  const h = profile.rows[0];
  if (!h) return undefined;
  const history = statuses.rows.map((r) => ({ status: r.status, date: dateText(r.effective_date), reason: r.reason,
    documentNo: r.document_no, recordedAt: new Date(r.recorded_at as string).toISOString() }));
  const chains = await batchChains(q, rows.rows.map((r) => String(r.batch_id)));
  const receipts = [];
  const byYear = new Map<string, bigint>(), bySource = new Map<string, bigint>(), byType = new Map<string, bigint>();
  let total = 0n;
  for (const r of rows.rows) {
    const signed = paidDeltaOf(String(r.event_type), BigInt(r.amount_fen as string));
    total += signed;
    const year = dateText(r.effective_date).slice(0, 4);
    byYear.set(year, (byYear.get(year) ?? 0n) + signed);
    bySource.set(String(r.source), (bySource.get(String(r.source)) ?? 0n) + signed);
    byType.set(String(r.project_type), (byType.get(String(r.project_type)) ?? 0n) + signed);
    const batchId = String(r.batch_id);
    receipts.push({
      paymentId: r.payment_id, kind: r.event_type === 'HoldPosted' ? 'paid' : 'reversed', amount: yuan(signed), effectiveDate: dateText(r.effective_date),
      projectId: r.project_id, projectName: r.project_name, projectType: r.project_type, source: r.source, fiscalYear: r.fiscal_year,
      origin: { rootBatchId: r.root_batch_id, rootDocumentNo: r.root_document_no, batchId, allocationId: r.allocation_id },
      chain: chains.get(batchId) ?? [],
    });
  }
  const asList = (m: Map<string, bigint>, key: string) => [...m.entries()].sort().map(([k, v]) => ({ [key]: k, amount: yuan(v) }));
  return {
    householdId: h.household_id, unitCode: h.unit_code, category: h.category, causes: h.causes, registeredOn: dateText(h.registered_on),
    status: history.length ? history[history.length - 1].status : 'registered',
    members: (h.members as Array<Record<string, unknown>>).map((m) => ({ ...m })),
    history, received: yuan(total), receipts,
    totals: { byYear: asList(byYear, 'year'), bySource: asList(bySource, 'source'), byProjectType: asList(byType, 'projectType') },
  };
}
