import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db';
import { PgliteDb } from '../db/pglite-db';
import { BulkLoadEventStore } from './bulk-load-event-store';
import { PostgresEventStore } from './postgres-event-store';
import { dropSchema, openTestPg, uniqueSchema } from '../../../../test/support/databases';

/**
 * The bulk loader's write-behind store on both databases: on a PostgreSQL server its flush goes
 * by COPY in text format (every backslash, tab and newline of the JSON escaped), on PGlite by
 * multi-row inserts. What is read back must be exactly what was appended.
 */
const schema = uniqueSchema('bulk');
const targets: Array<{ name: string; db: Db; close: () => Promise<void> }> = [];
beforeAll(async () => {
  const pg = await openTestPg(schema);
  const lite = await PgliteDb.open(undefined);
  targets.push({ name: 'PostgreSQL (COPY)', db: pg, close: async () => { await pg.close(); await dropSchema(schema); } });
  targets.push({ name: 'PGlite (inserts)', db: lite, close: () => lite.close() });
});
afterAll(async () => {
  for (const t of targets) await t.close();
});

// Text COPY must carry untouched: backslashes (JSON's own escapes), tabs, newlines, carriage returns, quotes, "\N", CJK and emoji.
const hostile = fc.constantFrom('\\', '\\\\', '\t', '\n', '\r\n', '"', '\\N', '\\.', '张德贵', '👨‍👩‍👧', 'a\tb\\nc', '');
const text = fc.oneof(hostile, fc.string({ unit: 'grapheme', maxLength: 12 }), fc.array(hostile, { maxLength: 4 }).map((a) => a.join('x')));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;

test('property: events flushed in bulk read back exactly as appended, on both databases', async () => {
  for (const t of targets) {
    const inner = await PostgresEventStore.create(t.db);
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ data: fc.dictionary(text, json, { maxKeys: 5 }), note: text }), { minLength: 1, maxLength: 6 }),
      async (drafts) => {
        const bulk = await BulkLoadEventStore.over(inner);
        const stream = `project-${randomUUID().slice(0, 8)}`;
        const events = drafts.map((d) => ({ id: randomUUID(), type: 'SomethingHappened', data: d.data, metadata: { correlationId: d.note, actor: { principalId: d.note } } }));
        await bulk.appendToStream(stream, events.slice(0, 1), { expectedRevision: 'no_stream' });
        if (events.length > 1) await bulk.appendToStreams([{ stream, events: events.slice(1), expectedRevision: 0n }]);
        await bulk.flush();
        const back = await inner.readStream(stream);
        expect(back.map((e) => [e.id, e.revision, e.type, e.data, e.metadata])).toEqual(events.map((e, i) => [e.id, BigInt(i), e.type, e.data, e.metadata]));
      }), { numRuns: 40 });
  }
});

test('a flush that meets another writer\'s event writes nothing of its batch, on both databases', async () => {
  for (const t of targets) {
    const inner = await PostgresEventStore.create(t.db);
    const bulk = await BulkLoadEventStore.over(inner);
    const [taken, other] = [`project-${randomUUID().slice(0, 8)}`, `project-${randomUUID().slice(0, 8)}`];
    await bulk.appendToStream(other, [{ id: randomUUID(), type: 'SomethingHappened', data: { n: 1 }, metadata: {} }], { expectedRevision: 'no_stream' });
    await bulk.appendToStream(taken, [{ id: randomUUID(), type: 'SomethingHappened', data: { n: 2 }, metadata: {} }], { expectedRevision: 'no_stream' });
    // Another writer, which the loader was promised there would not be, takes revision 0 of one stream first.
    await inner.appendToStream(taken, [{ id: randomUUID(), type: 'SomethingHappened', data: { n: 3 }, metadata: {} }], { expectedRevision: 'no_stream' });
    await expect(bulk.flush()).rejects.toThrow(/duplicate key|unique/);
    expect(await inner.readStream(other)).toEqual([]);
    expect((await inner.readStream(taken)).map((e) => e.data)).toEqual([{ n: 3 }]);
  }
});
