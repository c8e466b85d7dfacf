import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { Db } from './db';
import { appendRows, insertMany, rowsByKeys } from './insert-many';
import { openBothCountingCopies, type TestTarget } from '../../../../test/support/databases';

/**
 * The projections' row writers on both databases: appendRows (COPY on a server, a plain insert on
 * PGlite) must store exactly what insertMany stores from the same values, and refuse a key met
 * twice with nothing of the batch written; rowsByKeys must return exactly the rows whose key it
 * was given.
 */
let targets: TestTarget[] = [];
/** COPY statements sent on the server's transactions. */
let copies: () => number;
beforeAll(async () => {
  ({ targets, copies } = await openBothCountingCopies('rows'));
  for (const t of targets) {
    for (const table of ['appended', 'inserted']) {
      await t.db.exec(`create table ${table} (id text primary key, amount bigint, day date, at timestamptz, detail jsonb, note text, flag boolean)`);
    }
  }
});
afterAll(async () => {
  for (const t of targets) await t.close();
});

const COLUMNS = ['id', 'amount', 'day', 'at', 'detail', 'note', 'flag'];
const CASTS = ['', 'bigint', 'date', 'timestamptz', 'jsonb', '', 'boolean'];
// Text that COPY's text format must carry untouched: its escapes, "\N", its end marker, CJK and emoji.
const hostile = fc.constantFrom('\\', '\\\\', '\t', '\n', '\r\n', '"', '\\N', '\\.', '张德贵', '👨‍👩‍👧', 'a\tb\\nc', '');
const text = fc.oneof(hostile, fc.string({ unit: 'grapheme', maxLength: 10 }));
const row = fc.tuple(
  fc.option(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map(String)),
  fc.option(fc.date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))),
  fc.option(fc.date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString())),
  fc.option(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 3 }).map((o) => JSON.stringify(o))),
  fc.option(text),
  fc.option(fc.boolean()),
);
const read = async (db: Db, table: string) =>
  (await db.query(`select id, amount::text, day::text, at, detail, note, flag from ${table} order by id`)).rows;

test('property: appendRows stores what insertMany stores from the same rows, on both databases (by COPY on the server)', async () => {
  let batch = 0;
  for (const t of targets) {
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), async (values) => {
      batch++;
      const rows = values.map((v, i) => [`r${batch}-${i}`, ...v]);
      const before = copies();
      await t.db.transaction((tx) => appendRows(tx, 'appended', COLUMNS, CASTS, rows));
      expect(copies() - before).toBe(t.db.kind === 'postgres' ? 1 : 0);
      await t.db.transaction((tx) => insertMany(tx, 'inserted', COLUMNS, CASTS, rows));
      const [appended, inserted] = [await read(t.db, 'appended'), await read(t.db, 'inserted')];
      expect(appended).toEqual(inserted);
      expect(appended.filter((r) => String(r.id).startsWith(`r${batch}-`)).map((r) => r.note)).toEqual(values.map((v) => v[4]));
    }), { numRuns: 60 });
  }
});

test('appendRows refuses a key already there, or twice in one batch, and writes nothing of that batch', async () => {
  for (const t of targets) {
    await t.db.transaction((tx) => appendRows(tx, 'appended', COLUMNS, CASTS, [['dup-1', '1', null, null, null, 'first', true]]));
    for (const rows of [[['dup-2', '2', null, null, null, 'x', null], ['dup-1', '3', null, null, null, 'again', null]],
      [['dup-3', '4', null, null, null, 'x', null], ['dup-3', '5', null, null, null, 'x', null]]]) {
      await expect(t.db.transaction((tx) => appendRows(tx, 'appended', COLUMNS, CASTS, rows))).rejects.toThrow(/duplicate key|unique/i);
    }
    const left = await t.db.query(`select id, note from appended where id like 'dup-%' order by id`);
    expect(left.rows).toEqual([{ id: 'dup-1', note: 'first' }]);
    await expect(t.db.transaction((tx) => appendRows(tx, 'appended', COLUMNS, CASTS, [['arr', '1', null, null, null, ['a'], null]])))
      .rejects.toThrow(/note is an array/);
    await expect(t.db.transaction((tx) => appendRows(tx, 'appended', COLUMNS, CASTS, [['date', '1', new Date(), null, null, null, null]])))
      .rejects.toThrow(/day is a Date/);
  }
});

test('property: rowsByKeys returns exactly the rows whose key it was given, whatever keys are missing', async () => {
  for (const t of targets) {
    await t.db.exec('create table if not exists keyed (k text primary key, v text not null)');
    await t.db.transaction((tx) => insertMany(tx, 'keyed', ['k', 'v'], [], Array.from({ length: 200 }, (_, i) => [`k${i}`, `v${i}`])));
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }), async (ns) => {
      const got = await t.db.transaction((tx) => rowsByKeys<{ k: string; v: string }>(tx, 'keyed', 'k', ns.map((n) => `k${n}`), ['v']));
      const want = ns.filter((n) => n < 200).map((n) => ({ k: `k${n}`, v: `v${n}` }));
      expect([...got].sort((a, b) => a.k.localeCompare(b.k))).toEqual(want.sort((a, b) => a.k.localeCompare(b.k)));
    }), { numRuns: 50 });
  }
});
