import type { SqlExecutor } from '@yuantrace/event-store';
import { batchChainsSql, chainsOf } from '../batches/batch-queries';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { paidDeltaOf, yuan } from '../../shared/figure-sql';
import { revealedColumn, revealedOf } from '../../shared/revealed';

export async function householdExists(q: SqlExecutor, id: string): Promise<boolean> {
  return (await q.query('select 1 from rm_households where household_id = $1', [id])).rowCount > 0;
}

/**
 * A household's region as it stands now (`unit`, undefined: no such household), for the reader's
 * scope to be checked first, and its view under the basis (`view`, undefined: not recorded by
 * then), read in one statement. The view: profile (members with vault refs, for the caller to
 * reveal or not), status history, every receipt with its origin and chain to the root 文号, and
 * totals by year, source and project type. Receipts are postings to the household's payee account.
 */
export async function householdReading(q: SqlExecutor, id: string, basis: Basis, reveal?: (refsSql: string) => string) {
  const params: unknown[] = [id];
  const profileWhere = `${basisSql({ knownAt: basis.knownAt }, params)}${basis.asOf ? ` and registered_on <= $${params.push(basis.asOf)}::date` : ''}`;
  const statusWhere = basisSql(basis, params);
  const receiptWhere = basisSql(basis, params, 'p');
  // One statement: the profile, its status history, its receipts and their chains to the root 文号 are each
  // a small read by index, and a round trip costs more than any of them (on this 2-core machine a request's
  // six round trips took half the api's time in the socket writes alone).
  const r = await q.query<{ unit: string | null; profile: Record<string, any> | null; statuses: Array<Record<string, unknown>>; receipts: Array<Record<string, unknown>>;
    chains: Parameters<typeof chainsOf>[0]; revealed: Record<string, string> | null }>(
    `with receipts as materialized (
       select p.payment_id, p.event_type, p.amount_fen::text as amount_fen, p.effective_date, p.recorded_at, p.source, p.fiscal_year, p.root_batch_id, p.batch_id,
              p.allocation_id, p.project_id, pr.name as project_name, pr.type as project_type, rb.document_no as root_document_no,
              row_number() over (order by p.effective_date, p.commit_position, p.prepare_position) as n
       from postings p left join rm_projects pr on pr.project_id = p.project_id left join rm_batches rb on rb.batch_id = p.root_batch_id
       where p.payee_type = 'household' and p.payee_id = $1 and p.event_type in ('HoldPosted', 'PaymentReversalCredited') and ${receiptWhere}),
     chains as (${batchChainsSql('select distinct batch_id from receipts')})
     select (select unit_code from rm_households where household_id = $1) as unit,
       (select to_jsonb(h) from (select household_id, unit_code, category, causes, registered_on, members from rm_households
          where household_id = $1 and ${profileWhere}) h) as profile,
       (select coalesce(jsonb_agg(s order by s.effective_date, s.recorded_at), '[]') from (select status, reason, document_no, effective_date, recorded_at
          from rm_household_status where household_id = $1 and ${statusWhere}) s) as statuses,
       (select coalesce(jsonb_agg(r order by r.n), '[]') from receipts r) as receipts,
       (select coalesce(jsonb_agg(c), '[]') from chains c) as chains,
       ${revealedColumn(reveal, `select m->>'idRef' from rm_households, jsonb_array_elements(members) m where household_id = $1`)}`, params,
    // Asked many times a second, and planning it took about as long as running it.
    { prepare: true });
  const { profile: h, statuses, receipts: rows, chains: chainRows } = r.rows[0];
  const unit = r.rows[0].unit ?? undefined;
  const revealed = revealedOf(r.rows[0]);
  if (!h) return { unit, view: undefined, revealed };
  const history = statuses.map((r) => ({ status: r.status, date: dateText(r.effective_date), reason: r.reason,
    documentNo: r.document_no, recordedAt: new Date(r.recorded_at as string).toISOString() }));
  const chains = chainsOf(chainRows);
  const receipts = [];
  const byYear = new Map<string, bigint>(), bySource = new Map<string, bigint>(), byType = new Map<string, bigint>();
  let total = 0n;
  for (const r of rows) {
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
  return { unit, revealed, view: {
    householdId: h.household_id, unitCode: h.unit_code, category: h.category, causes: h.causes, registeredOn: dateText(h.registered_on),
    status: history.length ? history[history.length - 1].status : 'registered',
    members: (h.members as Array<Record<string, unknown>>).map((m) => ({ ...m })),
    history, received: yuan(total), receipts,
    totals: { byYear: asList(byYear, 'year'), bySource: asList(bySource, 'source'), byProjectType: asList(byType, 'projectType') },
  } };
}

export type HouseholdView = NonNullable<Awaited<ReturnType<typeof householdReading>>['view']>;
