import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db';

export type Migration = { version: number; name: string; sql: string };

/** Reads `NNNN_name.sql` files from a folder, in version order. */
export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^[0-9]{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies the migrations of one scope that are not applied yet, each in its own transaction,
 * recorded in schema_migrations. A transaction-level advisory lock serialises processes that
 * start together against one server.
 */
export async function migrate(db: Db, scope: string, migrations: readonly Migration[]): Promise<number> {
  await db.exec(`create table if not exists schema_migrations (
    scope text not null, version int not null, name text not null,
    applied_at timestamptz not null default now(), primary key (scope, version))`);
  let applied = 0;
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('yuantrace:migrate:' || $1))`, [scope]);
      const seen = await tx.query('select 1 from schema_migrations where scope = $1 and version = $2', [scope, m.version]);
      if (seen.rowCount > 0) return false;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (scope, version, name) values ($1, $2, $3)', [scope, m.version, m.name]);
      return true;
    });
    if (done) applied++;
  }
  return applied;
}

/** Our migrations are plain DDL: statements end with `;` at the end of a line. */
export const splitStatements = (sql: string): string[] =>
  sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
