import type { SqlExecutor } from '@yuantrace/event-store';

/** Runs `;`-separated DDL one statement at a time (PGlite and pg alike). */
export async function runDdl(q: SqlExecutor, ddl: string): Promise<void> {
  for (const s of ddl.split(';').map((x) => x.trim()).filter(Boolean)) await q.query(s);
}
