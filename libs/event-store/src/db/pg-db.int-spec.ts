import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dropSchema, openTestPg, uniqueSchema } from '../../../../test/support/databases';
import type { PgDb } from './pg-db';

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
});
