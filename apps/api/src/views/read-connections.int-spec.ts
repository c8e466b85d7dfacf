import { afterAll, describe, expect, test } from '@jest/globals';
import { PgDb } from '@yuantrace/event-store';
import { readModelProjections } from '@yuantrace/read-models';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../../test/support/databases';
import { openReadConnections } from './read-connections';

/** The api's connections opened before it listens, on a real server. */
describe('openReadConnections', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });
  // Named so that this pool's connections can be told from every other test's on the same server.
  const open = async (poolSize: number) => {
    const schema = uniqueSchema('readconn');
    schemas.push(schema);
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', schema);
    return { schema, db: await PgDb.connect(url.toString(), { schema, poolSize, idleSeconds: 0 }) };
  };
  const backends = async (db: PgDb, name: string) =>
    (await db.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name = $1', [name])).rows[0].n;

  test('opens as many connections as asked, each with the household view and the payment trace prepared', async () => {
    const { schema, db } = await open(5);
    try {
      for (const p of readModelProjections()) await p.setup(db);
      await openReadConnections(db, 3);
      expect(await backends(db, schema)).toBe(3);
      // Three at once are served by the three connections already open, each of which has both reads prepared.
      const prepared = await Promise.all([1, 2, 3].map(() => db.transaction(async (tx) => ({
        pid: (await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid,
        n: (await tx.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')).rows[0].n }))));
      expect(new Set(prepared.map((x) => x.pid)).size).toBe(3);
      expect(prepared.every((x) => x.n >= 2)).toBe(true);
      expect(await backends(db, schema)).toBe(3);
    } finally {
      await db.close();
    }
  });

  test('on a database whose read models are not set up yet it still opens them, and does not fail', async () => {
    const { schema, db } = await open(5);
    try {
      await expect(openReadConnections(db, 2)).resolves.toBeUndefined();
      expect(await backends(db, schema)).toBe(2);
    } finally {
      await db.close();
    }
  });
});
