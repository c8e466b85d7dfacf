import type { SqlExecutor } from './db';

/**
 * Inserts rows with multi-row statements (a batch of events becomes a few statements, not one
 * per event). `casts` give each column's SQL type; rows that collide with the key are skipped,
 * so re-applying a batch is harmless.
 */
export async function insertMany<R = Record<string, unknown>>(tx: SqlExecutor, table: string, columns: readonly string[], casts: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>, conflict = 'on conflict do nothing', returning?: string): Promise<R[]> {
  const perStatement = Math.max(1, Math.floor(30000 / columns.length));
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const params: unknown[] = [];
    const values = rows.slice(i, i + perStatement).map((row) => `(${row.map((v, k) => {
      params.push(v);
      return `$${params.length}${casts[k] ? `::${casts[k]}` : ''}`;
    }).join(', ')})`);
    const r = await tx.query<R>(`insert into ${table} (${columns.join(', ')}) values ${values.join(', ')} ${conflict}${returning ? ` returning ${returning}` : ''}`, params);
    if (returning) out.push(...r.rows);
  }
  return out;
}
