import type { GlobalPosition, SqlExecutor } from '@yuantrace/event-store';
import { basisSql, type Basis } from '../../shared/basis';
import { underPrefix } from './list-page';
import { maxParam } from './payment-list';

export type EventFilter = {
  /** The reader's region as a significant prefix; '' (the whole country) also sees streams no unit places. */
  unitPrefix: string;
  types?: string[]; streamKinds?: string[]; actor?: string;
  /** Recorded between these instants, inclusive. */
  from?: Date; to?: Date;
  /** Business dates between these days, inclusive. */
  asOfFrom?: string; asOfTo?: string;
  basis?: Basis;
};

export type IndexedEvent = { position: GlobalPosition; streamId: string; revision: bigint };

/**
 * A page of the event index in global order after a position, and (when asked) how many events
 * match in all. The events themselves are then read from the store by stream and revision.
 */
export async function findEvents(q: SqlExecutor, f: EventFilter, after: GlobalPosition | undefined, limit: number, withTotal = false) {
  const params: unknown[] = [];
  const where: string[] = [f.unitPrefix === '' ? 'true' : `i.unit_code like $${params.push(underPrefix(f.unitPrefix))}`];
  if (f.types?.length) where.push(`i.type = any($${params.push(f.types)}::text[])`);
  if (f.streamKinds?.length) where.push(`i.stream_kind = any($${params.push(f.streamKinds)}::text[])`);
  if (f.actor !== undefined) where.push(`i.actor = $${params.push(f.actor)}`);
  if (f.from) where.push(`i.recorded_at >= $${params.push(f.from.toISOString())}::timestamptz`);
  if (f.to) where.push(`i.recorded_at <= $${params.push(f.to.toISOString())}::timestamptz`);
  if (f.asOfFrom) where.push(`i.effective_date >= $${params.push(f.asOfFrom)}::date`);
  if (f.asOfTo) where.push(`i.effective_date <= $${params.push(f.asOfTo)}::date`);
  if (f.basis) where.push(basisSql(f.basis, params, 'i'));
  const filtered = where.join(' and ');
  const page = [...where];
  if (after) page.push(`(i.commit_position, i.prepare_position) > ($${params.push(after.commit.toString())}::bigint, $${params.push(after.prepare.toString())}::bigint)`);
  const [rows, count] = await Promise.all([
    q.query<{ commit_position: string; prepare_position: string; stream_id: string; revision: string }>(
      `select i.commit_position, i.prepare_position, i.stream_id, i.revision from rm_event_index i where ${page.join(' and ')}
       order by i.commit_position, i.prepare_position limit ${limit}`, params),
    withTotal ? q.query<{ total: string }>(`select count(*) as total from rm_event_index i where ${filtered}`, params.slice(0, maxParam(where))) : undefined,
  ]);
  return {
    events: rows.rows.map((r): IndexedEvent => ({ position: { commit: BigInt(r.commit_position), prepare: BigInt(r.prepare_position) }, streamId: r.stream_id,
      revision: BigInt(r.revision) })),
    total: count ? Number(count.rows[0]?.total ?? 0) : undefined,
  };
}
