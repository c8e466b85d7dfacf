import type { SqlExecutor } from './db';

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
