import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgDb, PgliteDb, type Db } from '@yuantrace/event-store';
import { DEFAULT_TEST_DATABASE_URL } from './test-database';

/** The PostgreSQL server the integration tests use (settled by global-setup.ts); each test file works in a schema of its own. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;

export const uniqueSchema = (prefix = 't') => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export async function openTestPg(schema = uniqueSchema(), poolSize = 10): Promise<PgDb> {
  return PgDb.connect(TEST_DATABASE_URL, { schema, poolSize });
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** A raw connection in the test schema, for what the application never does (hold a transaction open). */
export async function rawClient(schema: string): Promise<Client> {
  const client = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

export const openTestPglite = () => PgliteDb.open(undefined);

/** A database a test runs the same checks on, by name, with how to close it. */
export type TestTarget = { name: string; db: Db; close: () => Promise<void> };

/**
 * A PostgreSQL server in its own schema and an embedded PGlite, for tests that must hold on
 * both; `copies()` counts the COPY statements the server's transactions sent, on the way
 * through the real executor, so a test can tell that rows went by COPY.
 */
export async function openBothCountingCopies(schemaPrefix: string): Promise<{ targets: TestTarget[]; copies: () => number }> {
  const schema = uniqueSchema(schemaPrefix);
  let copies = 0;
  const pg = await openTestPg(schema);
  const transaction = pg.transaction.bind(pg);
  pg.transaction = (fn) => transaction((tx) => fn(tx.copyFrom ? { query: tx.query, copyFrom: (sql, text) => (copies++, tx.copyFrom!(sql, text)) } : tx));
  // The bulk loader's COPY goes from a thread of its own (CopyThread): its writes count too.
  const copyThread = pg.copyThread.bind(pg);
  pg.copyThread = () => {
    const thread = copyThread();
    const write = thread.write.bind(thread);
    thread.write = (...args) => (copies++, write(...args));
    return thread;
  };
  const lite = await PgliteDb.open(undefined);
  return {
    targets: [
      { name: 'PostgreSQL', db: pg, close: async () => { await pg.close(); await dropSchema(schema); } },
      { name: 'PGlite', db: lite, close: () => lite.close() },
    ],
    copies: () => copies,
  };
}
