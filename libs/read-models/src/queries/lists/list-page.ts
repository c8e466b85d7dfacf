/**
 * What every list shares: a page (limit and offset), a sort key chosen from the list's own
 * whitelist (a leading '-' for descending), and the region the rows must lie in, as the
 * significant prefix of a unit code ('' for the whole country).
 */
export type ListPage = { limit: number; offset: number; sort: string };
export type ListResult<T> = { total: number; items: T[] };

/**
 * The ORDER BY of a sort key: the whitelisted column expression, then a unique tie-breaker so
 * that pages never overlap or skip a row.
 */
export function orderBy(sort: string, columns: Readonly<Record<string, string>>, tieBreaker: string): string {
  const desc = sort.startsWith('-');
  const column = columns[desc ? sort.slice(1) : sort];
  if (!column) throw new Error(`sort key ${sort} is not whitelisted`);
  return `${column} ${desc ? 'desc' : 'asc'} nulls last, ${tieBreaker} ${desc ? 'desc' : 'asc'}`;
}

/** A LIKE pattern for "this unit and everything under it" from a significant prefix. */
export const underPrefix = (prefix: string) => `${prefix.replace(/[%_\\]/g, '')}%`;
