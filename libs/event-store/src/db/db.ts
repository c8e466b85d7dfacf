import type { CopyThread } from './copy-thread';

/**
 * The SQL the system runs is the same on a PostgreSQL server (`pg`) and on embedded PGlite.
 * This is the narrow seam between them. Values come back as the drivers give them (int8 as a
 * string from pg, a bigint or number from PGlite): callers convert with BigInt()/Number().
 */
export interface SqlExecutor {
  query<R = Record<string, any>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<{ rows: R[]; rowCount: number }>;
  /**
   * `COPY … FROM STDIN` of rows in COPY's text format (copyField): a PostgreSQL server only, for
   * the bulk loader's events, which PostgreSQL takes this way with no statement of tens of
   * thousands of parameters to parse and plan. Absent on PGlite.
   */
  copyFrom?(sql: string, text: string): Promise<number>;
}

/** A value as one field of COPY's text format: backslash, newline, carriage return and tab escaped (no field here is ever NULL). */
export const copyField = (value: string): string =>
  /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : value;

export type QueryOptions = {
  /**
   * Keep the statement prepared on the server connection that runs it and reuse it there: the
   * next run with the same text skips parsing and planning. For the few fixed reads answered many
   * times a second (a household view spent as long being planned as being run). Only for a
   * statement of fixed text with parameters; PGlite, which has one connection and no such cache,
   * ignores it.
   */
  prepare?: boolean;
};

export type DbKind = 'embedded' | 'postgres';

/**
 * PostgreSQL's `date` type. Both databases hand a `date` column back as its text, 'YYYY-MM-DD':
 * a business date is a day, not an instant. node-postgres would otherwise make it a JS Date at
 * the process's local midnight, whose UTC day (toISOString) is the day before in a process east
 * of UTC: in Asia/Shanghai, 1 April read back as 31 March.
 */
export const DATE_OID = 1082;
/** `date[]`: an array of days, each its text, as `text[]` would give it (node-postgres would give Dates at local midnight). */
export const DATE_ARRAY_OID = 1182;
export const TEXT_ARRAY_OID = 1009;
/** What a `date` column's text is turned into: itself. */
export const dateAsText = (text: string): string => text;

export interface Db extends SqlExecutor {
  readonly kind: DbKind;
  /** The schema everything lives in. */
  readonly schema: string;
  /** Runs fn in one transaction; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Multi-statement SQL without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * A connection held for the caller's whole session (advisory locks are per session).
   * PGlite has one connection: the session is the instance itself. `lost` rejects if the
   * connection dies while held (a server restart): whatever the session guarded (an advisory
   * lock) is gone with it, and the holder must stop and start over.
   */
  session<T>(fn: (conn: SqlExecutor, lost: Promise<never>) => Promise<T>): Promise<T>;
  /** Calls back on NOTIFY of a channel; returns an unlisten function. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** A server only: a worker thread that writes by COPY on a connection of its own (the bulk loader's events). */
  copyThread?(): CopyThread;
  close(): Promise<void>;
}

/** SQLSTATE codes we act on. */
export const PgCodes = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlock: '40P01',
  invalidSchema: '3F000',
} as const;

export const sqlState = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;

export const constraintOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'constraint' in e ? String((e as { constraint: unknown }).constraint) : undefined;

/** Identifier check for schema names that come from configuration. */
export function assertIdentifier(name: string, what: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`${what} "${name}" is not a valid lowercase SQL identifier`);
  return name;
}
