import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { orderBy, underPrefix, type ListPage, type ListResult } from './list-page';

export const BATCH_STATUSES = ['open', 'closed', 'voided'] as const;
export const BATCH_SORTS = ['batchId', 'effectiveDate', 'amount', 'fiscalYear', 'unspent', 'age'] as const;

export type BatchListFilter = { unitPrefix: string; source?: string; fiscalYear?: number; status?: string; unspentOnly?: boolean };

const COLUMNS = { batchId: 'b.batch_id', effectiveDate: 'b.effective_date', amount: 'b.amount_fen', fiscalYear: 'b.fiscal_year', unspent: 'u.unspent' };

/**
 * Fund batches received in a region, with what each still has unspent under the basis and since
 * when (the day its money first arrived: its issue, or its parent's allocation). Unspent is the
 * glossary's balance, summed from the batch_unspent projection: per business day for current and
 * asOf reads, per move when knownAt cuts by recording time.
 */
export async function listBatches(q: SqlExecutor, f: BatchListFilter, page: ListPage, basis: Basis, today: string): Promise<ListResult<Record<string, unknown>>> {
  const params: unknown[] = [underPrefix(f.unitPrefix)];
  const where = ['b.recipient_unit_code like $1', basisSql(basis, params, 'b')];
  if (f.source !== undefined) where.push(`b.source = $${params.push(f.source)}`);
  if (f.fiscalYear !== undefined) where.push(`b.fiscal_year = $${params.push(f.fiscalYear)}`);
  const unspent = basis.knownAt
    ? `select coalesce(sum(m.delta_fen), 0) as unspent from rm_batch_unspent_moves m where m.batch_id = b.batch_id and ${basisSql(basis, params, 'm')}`
    : `select coalesce(sum(d.delta_fen), 0) as unspent from rm_batch_unspent_days d where d.batch_id = b.batch_id and ${basisSql({ asOf: basis.asOf }, params, 'd')}`;
  const life = `select e.event_type from rm_batch_events e where e.batch_id = b.batch_id and e.event_type in ('FundBatchClosed', 'FundBatchVoided')
      and ${basisSql(basis, params, 'e')} order by e.effective_date, e.recorded_at limit 1`;
  const status = `case l.event_type when 'FundBatchClosed' then 'closed' when 'FundBatchVoided' then 'voided' else 'open' end`;
  if (f.status !== undefined) where.push(`${status} = $${params.push(f.status)}`);
  if (f.unspentOnly) where.push('u.unspent > 0');
  const from = `rm_batches b left join lateral (${unspent}) u on true left join lateral (${life}) l on true where ${where.join(' and ')}`;
  // Older first is a larger age: sorting by age is sorting by the day the money arrived, the other way round.
  const sort = page.sort === 'age' ? '-effectiveDate' : page.sort === '-age' ? 'effectiveDate' : page.sort;
  const [count, rows] = await Promise.all([
    q.query<{ total: string }>(`select count(*) as total from ${from}`, params),
    q.query<Record<string, unknown>>(`select b.*, u.unspent, ${status} as status from ${from} order by ${orderBy(sort, COLUMNS, 'b.batch_id')}
      limit ${page.limit} offset ${page.offset}`, params),
  ]);
  const until = Date.parse(`${basis.asOf ?? today}T00:00:00Z`);
  return {
    total: Number(count.rows[0]?.total ?? 0),
    items: rows.rows.map((r) => {
      const since = dateText(r.effective_date);
      const left = BigInt(r.unspent as string);
      return {
        batchId: r.batch_id, documentNo: r.document_no, title: r.title, source: r.source, issuerLevel: r.issuer_level, recipientUnitCode: r.recipient_unit_code,
        fiscalYear: Number(r.fiscal_year), amount: yuan(r.amount_fen), effectiveDate: since, status: r.status, parentBatchId: r.parent_batch_id ?? null,
        rootDocumentNo: r.root_document_no, unspent: yuan(left),
        unspentSince: left > 0n ? since : null,
        ageDays: left > 0n ? Math.max(0, Math.round((until - Date.parse(`${since}T00:00:00Z`)) / 86_400_000)) : null,
      };
    }),
  };
}
