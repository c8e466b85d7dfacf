import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { openBothCountingCopies, type TestTarget } from '../../../../test/support/databases';

/**
 * A business date is a day. Both databases must hand a `date` column back as that day's text,
 * whatever zone the process runs in: node-postgres's default made it a Date at local midnight,
 * which in Asia/Shanghai (the suite's zone, jest.config.js) is the day before in UTC.
 */
describe('date columns come back as their day', () => {
  let targets: TestTarget[] = [];
  beforeAll(async () => {
    targets = (await openBothCountingCopies('dates')).targets;
    for (const t of targets) await t.db.exec('create table day_t (k int primary key, d date)');
  });
  afterAll(async () => {
    for (const t of targets) await t.close();
  });

  const day = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

  test.each(['PostgreSQL', 'PGlite'])('on %s: in a query, a transaction, a session and a prepared statement, through min() and coalesce(), and in a date[]', async (name) => {
    const { db } = targets.find((t) => t.name === name)!;
    let k = 0;
    await fc.assert(
      fc.asyncProperty(day, async (d) => {
        k++;
        await db.query('insert into day_t (k, d) values ($1, $2::date)', [k, d]);
        const sql = 'select d, min(d) over () as low, coalesce(null::date, d) as c, array[d, d + 1, null] as days from day_t where k = $1';
        const next = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const reads = [
          (await db.query(sql, [k])).rows[0],
          (await db.query(sql, [k], { prepare: true })).rows[0],
          await db.transaction(async (tx) => (await tx.query(sql, [k])).rows[0]),
          await db.session(async (conn) => (await conn.query(sql, [k])).rows[0]),
        ];
        for (const r of reads) expect(r).toEqual({ d, low: d, c: d, days: [d, next, null] });
      }),
      { numRuns: 60 },
    );
  });

  test('the suite runs east of UTC, where a Date at local midnight falls on the day before', () => {
    // Without this the property above would hold by accident in a UTC process for a server's Date.
    expect(new Date(2016, 3, 1).toISOString().slice(0, 10)).toBe('2016-03-31');
  });
});
