import { assertDate, invalid } from '@yuantrace/domain';

/**
 * The two time axes of every read (DESIGN.md §5):
 *   asOf    – business date: what had happened by that day, as the books now know it;
 *   knownAt – an instant: what the books said at that moment, before later corrections.
 * Both together answer "as known on T about D".
 */
export type Basis = { asOf?: string; knownAt?: Date };

export function parseBasis(query: { asOf?: unknown; knownAt?: unknown }): Basis {
  const basis: Basis = {};
  if (query.asOf !== undefined) basis.asOf = assertDate(query.asOf, 'asOf');
  if (query.knownAt !== undefined) {
    const v = query.knownAt;
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
      throw invalid('invalid_instant', 'knownAt must be an ISO-8601 instant with a zone, e.g. 2016-07-01T00:00:00Z', 'knownAt');
    }
    if (v < '1900' || v > '9999') throw invalid('invalid_instant', 'knownAt must lie between the years 1900 and 9999', 'knownAt');
    // Date.parse rolls an impossible calendar day over (2016-02-30 → 1 March): the date part must exist as written.
    const [h, m, sec] = [Number(v.slice(11, 13)), Number(v.slice(14, 16)), v[16] === ':' ? Number(v.slice(17, 19)) : 0];
    let day = true;
    try {
      assertDate(v.slice(0, 10), 'knownAt');
    } catch {
      day = false;
    }
    if (!day || h > 23 || m > 59 || sec > 59) throw invalid('invalid_instant', `knownAt is not an instant that exists: ${v}`, 'knownAt');
    basis.knownAt = new Date(v);
  }
  return basis;
}

/** How an answer states the cut-off it used. */
export const describeBasis = (b: Basis) => ({
  asOf: b.asOf ?? null,
  knownAt: b.knownAt?.toISOString() ?? null,
  axis: b.asOf && b.knownAt ? 'asOf+knownAt' : b.asOf ? 'asOf' : b.knownAt ? 'knownAt' : 'current',
});

/**
 * SQL conditions for a table with effective_date and recorded_at columns. Parameters are
 * appended to `params`; `alias` qualifies the columns.
 */
export function basisSql(b: Basis, params: unknown[], alias = ''): string {
  const p = alias ? `${alias}.` : '';
  const parts: string[] = [];
  if (b.asOf) {
    params.push(b.asOf);
    parts.push(`${p}effective_date <= $${params.length}::date`);
  }
  if (b.knownAt) {
    params.push(b.knownAt.toISOString());
    parts.push(`${p}recorded_at <= $${params.length}::timestamptz`);
  }
  return parts.length ? parts.join(' and ') : 'true';
}

/**
 * A business date as the API gives it. Both databases hand a `date` column back as its text
 * (DATE_OID); a Date here is refused rather than guessed at, since the zone it was made in
 * decides its day.
 */
export const dateText = (v: unknown): string => {
  if (v instanceof Date) throw new Error('dateText: a business date came back as a Date; a date column must be read as its text');
  return String(v).slice(0, 10);
};
