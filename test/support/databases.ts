import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgDb, PgliteDb } from '@yuantrace/event-store';
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
