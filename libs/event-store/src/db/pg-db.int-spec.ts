import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dropSchema, openTestPg, TEST_DATABASE_URL, uniqueSchema } from '../../../../test/support/databases';
import { PgDb } from './pg-db';

/** What every connection of the pool is set up with, on a real server. */
describe('PgDb connections', () => {
  const schema = uniqueSchema('pgdb');
  let db: PgDb;
  beforeAll(async () => {
    db = await openTestPg(schema, 3);
  });
  afterAll(async () => {
    await db.close();
    await dropSchema(schema);
  });

  test('every connection reads its schema and compiles nothing with JIT, in and out of a transaction', async () => {
    // Several at once, so the pool opens more than one connection.
    const settings = await Promise.all([1, 2, 3].map(() => db.query<{ path: string; jit: string }>(`select current_setting('search_path') as path, current_setting('jit') as jit`)));
    for (const r of settings) expect(r.rows[0]).toEqual({ path: schema, jit: 'off' });
    const inside = await db.transaction((tx) => tx.query<{ jit: string }>(`select current_setting('jit') as jit`));
    expect(inside.rows[0].jit).toBe('off');
  });

  test('a prepared read is prepared once per connection, answers as an unprepared one, and survives its table being built again', async () => {
    await db.exec('create table prep_t (k int primary key, v text); insert into prep_t select g, g::text from generate_series(1, 50) g');
    const sql = 'select v from prep_t where k = $1';
    // Past the server's fifth run, where it may switch to a generic plan; on several connections at once.
    for (let i = 1; i <= 12; i++) {
      const [a, b, c] = await Promise.all([db.query(sql, [i], { prepare: true }), db.query(sql, [i + 1], { prepare: true }), db.query(sql, [i])]);
      expect([a.rows, b.rows, c.rows]).toEqual([[{ v: String(i) }], [{ v: String(i + 1) }], [{ v: String(i) }]]);
    }
    const held = await Promise.all([1, 2, 3].map(() => db.query<{ n: number }>(`select count(*)::int as n from pg_prepared_statements where statement = $1`, [sql])));
    // Each connection that ran it holds it once (the pool may have run it on fewer than three).
    expect(held.every((r) => r.rows[0].n <= 1)).toBe(true);
    expect(held.some((r) => r.rows[0].n === 1)).toBe(true);
    // A rebuild drops and creates the tables a prepared read names: the server plans it again.
    await db.exec('drop table prep_t; create table prep_t (k int primary key, v text); insert into prep_t values (3, \'three\')');
    expect((await db.transaction((tx) => tx.query(sql, [3], { prepare: true }))).rows).toEqual([{ v: 'three' }]);
    expect((await db.query(sql, [3], { prepare: true })).rows).toEqual([{ v: 'three' }]);
    expect((await db.query(sql, [4], { prepare: true })).rows).toEqual([]);
  });

  test('an idle connection is closed after idleSeconds, and kept when idleSeconds is 0', async () => {
    const backend = async (d: PgDb) => (await d.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    const closing = await PgDb.connect(TEST_DATABASE_URL, { schema, poolSize: 1, idleSeconds: 1 });
    const keeping = await PgDb.connect(TEST_DATABASE_URL, { schema, poolSize: 1, idleSeconds: 0 });
    try {
      const [c1, k1] = [await backend(closing), await backend(keeping)];
      await new Promise((r) => setTimeout(r, 1600));
      // A pool of one: the same backend answers again only if its connection was kept.
      expect(await backend(closing)).not.toBe(c1);
      expect(await backend(keeping)).toBe(k1);
    } finally {
      await closing.close();
      await keeping.close();
    }
  });
});
