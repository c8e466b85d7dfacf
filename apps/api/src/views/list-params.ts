import { assertDate, assertId, assertInScope, assertUnitCode, invalid, parseYuan, type Principal } from '@yuantrace/domain';
import { parseInstant, type ListPage, unitPrefix } from '@yuantrace/read-models';

export const MAX_LIMIT = 500;
/** Rows an export of a list holds when no page is asked for: the whole list, up to this (its 说明 table says when a file holds less). */
export const EXPORT_ROWS = 50_000;

/**
 * A page's size: the limit asked for, or for an export (csv, xlsx) asking none, the whole list up to
 * EXPORT_ROWS. `field` names the parameter (a project view's `paymentsLimit`), `absent` its default.
 */
export const pageLimit = (limit: unknown, format: 'json' | 'csv' | 'xlsx', field = 'limit', absent = 100): number =>
  format !== 'json' && limit === undefined ? EXPORT_ROWS : wholeNumberParameter(limit, field, 'invalid_limit', 1, MAX_LIMIT, absent);

/** A page size: plain decimal digits only (Number() would also take " 10", "0x10" and "1e2"), 1 to MAX_LIMIT, 100 when absent. */
export const parseLimit = (text: string | undefined): number => wholeNumberParameter(text, 'limit', 'invalid_limit', 1, MAX_LIMIT, 100);
const MAX_OFFSET = 1_000_000;

// Each code written out where it is raised, as every refusal is (the console's catalogue is checked against them).
const OUT_OF_RANGE = {
  invalid_limit: (message: string, field: string) => invalid('invalid_limit', message, field),
  invalid_offset: (message: string, field: string) => invalid('invalid_offset', message, field),
};

/** A whole number parameter from `min` to `max` (plain decimal digits only), `absent` when not given. */
export function wholeNumberParameter(value: unknown, field: string, code: 'invalid_limit' | 'invalid_offset', min: number, max: number, absent: number): number {
  if (value === undefined) return absent;
  const n = typeof value === 'string' && /^(0|[1-9][0-9]{0,8})$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw OUT_OF_RANGE[code](`${field} must be a whole number from ${min} to ${max}`, field);
  return n;
}

/** A project view's payments: a page of PROJECT_PAYMENTS by default, at most MAX_LIMIT (an export asking none: EXPORT_ROWS). */
export const PROJECT_PAYMENTS = MAX_LIMIT;
export const projectPaymentsPage = (query: { paymentsOffset?: unknown; paymentsLimit?: unknown }, format: 'json' | 'csv' | 'xlsx') =>
  ({ offset: parseOffset(query.paymentsOffset, 'paymentsOffset'), limit: pageLimit(query.paymentsLimit, format, 'paymentsLimit', PROJECT_PAYMENTS) });

/** A list's starting row: 0 to MAX_OFFSET, 0 when absent. */
export const parseOffset = (text: unknown, field = 'offset'): number => wholeNumberParameter(text, field, 'invalid_offset', 0, MAX_OFFSET, 0);

/**
 * A query string holds only the parameters its route knows: any other is a 400 naming it and the
 * known ones (`?asof=` for `?asOf=` would otherwise answer today's figures as that day's).
 */
export function onlyParameters(query: Record<string, unknown>, known: readonly string[], what: 'list' | 'view' = 'view'): void {
  for (const name of Object.keys(query)) {
    if (!known.includes(name)) throw invalid('unknown_parameter', `${name.slice(0, 40)} is not a parameter of this ${what} (known: ${known.join(', ')})`, name.slice(0, 40));
  }
}

/**
 * A list's query string, read strictly: a parameter the route does not know is a 400 naming it
 * (a misspelt filter silently ignored would answer a question the reader did not ask), a value
 * given twice is a 400, and each value is checked by the one parser of its kind.
 */
export class ListQuery {
  constructor(private readonly query: Record<string, unknown>, known: readonly string[]) {
    onlyParameters(query, known, 'list');
  }

  text(name: string): string | undefined {
    const v = this.query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalid('invalid_parameter', `${name} must be given once, as text`, name);
    if (v.length === 0 || v.length > 200) throw invalid('invalid_parameter', `${name} must be 1–200 characters`, name);
    return v;
  }

  id(name: string): string | undefined {
    const v = this.text(name);
    return v === undefined ? undefined : assertId(v, name);
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.text(name);
    if (v !== undefined && !values.includes(v as T)) throw invalid(`invalid_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, `${name} must be one of ${values.join(', ')}`, name);
    return v as T | undefined;
  }

  date(name: string): string | undefined {
    const v = this.text(name);
    return v === undefined ? undefined : assertDate(v, name);
  }

  /** An instant with its zone, checked as knownAt is. */
  instant(name: string): Date | undefined {
    const v = this.text(name);
    return v === undefined ? undefined : parseInstant(v, name);
  }

  /** A comma list (or one value), each checked. */
  list(name: string, check: (value: string) => string): string[] | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const values = v.split(',');
    if (values.length > 50) throw invalid('invalid_parameter', `${name} lists at most 50 values`, name);
    return [...new Set(values.map(check))];
  }

  fen(name: string): bigint | undefined {
    const v = this.text(name);
    return v === undefined ? undefined : parseYuan(v, name);
  }

  year(name: string): number | undefined {
    const v = this.text(name);
    if (v !== undefined && !/^(19|20)[0-9]{2}$/.test(v)) throw invalid('invalid_year', `${name} must be a year such as 2016`, name);
    return v === undefined ? undefined : Number(v);
  }

  flag(name: string): boolean | undefined {
    const v = this.text(name);
    if (v !== undefined && v !== 'true' && v !== 'false') throw invalid('invalid_parameter', `${name} must be true or false`, name);
    return v === undefined ? undefined : v === 'true';
  }

  /** The page asked for; an export (csv, xlsx) with no limit given is the whole list, up to EXPORT_ROWS. */
  page(sorts: readonly string[], defaultSort: string, format: 'json' | 'csv' | 'xlsx' = 'json'): ListPage {
    const limit = pageLimit(this.text('limit'), format);
    const offset = parseOffset(this.text('offset'));
    const sort = this.text('sort') ?? defaultSort;
    if (!sorts.includes(sort.replace(/^-/, ''))) throw invalid('invalid_sort', `sort must be one of ${sorts.join(', ')}, with a leading - for descending`, 'sort');
    return { limit, offset, sort };
  }
}

/**
 * The region a list reads: the unit asked for, which must lie within the reader's scope (403
 * otherwise, as for any read of a region), or else the reader's whole scope. As the significant
 * prefix of its code.
 */
export function regionOf(reader: Principal, unitCode: string | undefined): string {
  const code = unitCode === undefined ? reader.scope : assertUnitCode(unitCode, 'unitCode');
  if (unitCode !== undefined) assertInScope(reader, code, `unit ${code}`);
  return unitPrefix(code);
}

/** The page's place in the whole list, and where the next page starts (null after the last). */
export const pageInfo = (page: ListPage, total: number) => ({ total, limit: page.limit, offset: page.offset,
  nextOffset: page.offset + page.limit < total ? page.offset + page.limit : null });
