import { copyField, type SqlExecutor } from './db';

/** Rows per statement: each column travels as one array parameter, so only memory bounds it. */
const ROWS_PER_STATEMENT = 20_000;

/**
 * Inserts rows in few statements: each column is one array parameter, unnested into rows
 * (`insert … select * from unnest($1::bigint[], $2::text[], …)`). A statement of one VALUES
 * tuple per row made PostgreSQL parse and analyse tens of thousands of parameters for every
 * batch: a quarter of its time in a county's catch-up. `casts` give each column's SQL type (''
 * for text; the column's type is then text); rows that collide with the key are skipped, so
 * re-applying a batch is harmless. A value is sent as the driver sends a parameter (an object as
 * JSON, a Date as a timestamp), never as an array.
 */
export async function insertMany<R = Record<string, unknown>>(tx: SqlExecutor, table: string, columns: readonly string[], casts: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>, conflict = 'on conflict do nothing', returning?: string): Promise<R[]> {
  if (rows.length === 0) return [];
  const types = columns.map((_, k) => casts[k] || 'text');
  const sql = `insert into ${table} (${columns.join(', ')}) select * from unnest(${types.map((t, k) => `$${k + 1}::${t}[]`).join(', ')}) ${conflict}${returning ? ` returning ${returning}` : ''}`;
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const params = columns.map((_, k) => chunk.map((row) => {
      const v = row[k];
      if (Array.isArray(v)) throw new Error(`insertMany into ${table}: ${columns[k]} is an array; send it as JSON text`);
      return v;
    }));
    const r = await tx.query<R>(sql, params);
    if (returning) out.push(...r.rows);
  }
  return out;
}

/**
 * The rows of `table` whose `keyColumn` is one of `keys` (text), with `columns` beside the key:
 * one statement that joins the keys, unnested, to the table. Written as a join rather than
 * `key = any($1)`: for the few thousand keys of a projection's batch the planner, costing every
 * index probe as a read from disk, chose a (parallel) scan of the whole table for `any`, and in a
 * county's rebuild the table was read in full for every batch (rm_event_stream_units: 37 s of
 * PostgreSQL's time). The join is costed by the number of keys, and probes the key's index.
 */
export async function rowsByKeys<R extends Record<string, unknown>>(tx: SqlExecutor, table: string, keyColumn: string, keys: readonly string[],
  columns: readonly string[]): Promise<R[]> {
  if (keys.length === 0) return [];
  const r = await tx.query<R>(`select t.${keyColumn}, ${columns.map((c) => `t.${c}`).join(', ')}
    from unnest($1::text[]) k(key) join ${table} t on t.${keyColumn} = k.key`, [keys]);
  return r.rows;
}

/**
 * Appends rows that are each keyed by the event they come from (an event's index entry, its
 * postings' legs, a payment's request): a projection's runner applies every event once (its
 * checkpoint moves in the same transaction, and a checkpoint moved by someone else refuses the
 * batch), so such a key is never met twice, and one that is is an error that fails the batch
 * rather than a row skipped. On a PostgreSQL server the rows go by `COPY … FROM STDIN`, which
 * PostgreSQL writes a page of rows at a time instead of one row and one key check at a time
 * (the projections' inserts were two fifths of its time in a county's rebuild); on PGlite, which
 * has no COPY here, by insertMany with no conflict clause, so a repeated key fails alike.
 */
export async function appendRows(tx: SqlExecutor, table: string, columns: readonly string[], casts: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  if (rows.length === 0) return;
  if (tx.copyFrom) return copyRows(tx, table, columns, rows);
  // COPY's refusals here too, so a batch fails alike on both databases (insertMany refuses arrays itself).
  for (const row of rows) row.forEach((v, k) => refuseDate(table, columns[k], v));
  await insertMany(tx, table, columns, casts, rows, '');
}

/**
 * Sends rows by `COPY … FROM STDIN` in its text format, and checks that PostgreSQL took every one:
 * the projections' appended rows and the bulk loader's events alike. Values as insertMany's
 * parameters would send them: null as \N, an object as JSON, never an array or a Date.
 */
export async function copyRows(tx: SqlExecutor, table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  if (!tx.copyFrom) throw new Error(`COPY into ${table}: this database takes no COPY`);
  let text = '';
  for (const row of rows) {
    for (let k = 0; k < columns.length; k++) text += (k ? '\t' : '') + copyValue(table, columns[k], row[k]);
    text += '\n';
  }
  const taken = await tx.copyFrom(copySql(table, columns), text);
  if (taken !== rows.length) throw new Error(`COPY into ${table} took ${taken} of ${rows.length} rows`);
}

/** The statement that takes rows of these columns by `COPY … FROM STDIN` (here, and from the bulk loader's CopyThread). */
export const copySql = (table: string, columns: readonly string[]) => `copy ${table} (${columns.join(', ')}) from stdin`;

/** A value as a field of COPY's text format. */
function copyValue(table: string, column: string, v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return copyField(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  refuseDate(table, column, v);
  if (Array.isArray(v)) throw new Error(`appendRows into ${table}: ${column} is an array; send it as JSON text`);
  return copyField(JSON.stringify(v));
}

/** A Date would go by COPY as its instant but by node-postgres's parameters in local time, which a date column reads as another day: callers send text. */
function refuseDate(table: string, column: string, v: unknown): void {
  if (v instanceof Date) throw new Error(`appendRows into ${table}: ${column} is a Date; send it as ISO text`);
}
