import { assertDate, invalid, ruleBroken, shanghaiToday } from '@yuantrace/domain';

/**
 * The two time axes of every read (DESIGN.md §5):
 *   asOf    – business date: what had happened by that day, as the books now know it;
 *   knownAt – an instant: what the books said at that moment, before later corrections.
 * Both together answer "as known on T about D".
 */
export type Basis = { asOf?: string; knownAt?: Date };

/**
 * How far a client's clock may run ahead of ours: a console whose clock is a little fast still
 * asks for "now" when it sends its own now as knownAt.
 */
export const CLOCK_LEEWAY_MS = 5 * 60_000;

/**
 * The basis a read asked for. A business day after today, or an instant after now, is refused
 * (422 date_in_future / instant_in_future): the books of a day that has not come are not known,
 * and answering today's figures labelled with that day would put a false date on them.
 */
export function parseBasis(query: { asOf?: unknown; knownAt?: unknown }, now: Date = new Date()): Basis {
  const basis: Basis = {};
  if (query.asOf !== undefined) {
    basis.asOf = assertDate(query.asOf, 'asOf');
    const today = shanghaiToday(now);
    if (basis.asOf > today) throw ruleBroken('date_in_future', `asOf ${basis.asOf} is after today (${today}, Asia/Shanghai): that day's books are not kept yet`, 'asOf');
  }
  if (query.knownAt !== undefined) {
    basis.knownAt = parseInstant(query.knownAt, 'knownAt');
    if (basis.knownAt.getTime() > now.getTime() + CLOCK_LEEWAY_MS) {
      throw ruleBroken('instant_in_future', `knownAt ${String(query.knownAt)} is later than now (${now.toISOString()}): what the books will know then is not known yet`, 'knownAt');
    }
    // Within the leeway it is read as now, and the answer's basis says so: an answer labelled with an instant still to
    // come could change before that instant.
    if (basis.knownAt > now) basis.knownAt = now;
  }
  return basis;
}

/** An ISO-8601 instant with its zone (knownAt, and a list's instants such as from and to), as written: never rolled over. */
export function parseInstant(v: unknown, field: string): Date {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw invalid('invalid_instant', `${field} must be an ISO-8601 instant with a zone, e.g. 2016-07-01T00:00:00Z`, field);
  }
  if (v < '1900' || v > '9999') throw invalid('invalid_instant', `${field} must lie between the years 1900 and 9999`, field);
  // Date.parse rolls an impossible calendar day over (2016-02-30 → 1 March): the date part must exist as written.
  const [h, m, sec] = [Number(v.slice(11, 13)), Number(v.slice(14, 16)), v[16] === ':' ? Number(v.slice(17, 19)) : 0];
  let day = true;
  try {
    assertDate(v.slice(0, 10), field);
  } catch {
    day = false;
  }
  if (!day || h > 23 || m > 59 || sec > 59) throw invalid('invalid_instant', `${field} is not an instant that exists: ${v}`, field);
  return new Date(v);
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
