import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { copyField } from '../db/db';
import { CopyThread } from '../db/copy-thread';
import { BulkLoadEventStore } from './bulk-load-event-store';
import { PostgresEventStore } from './postgres-event-store';
import { untilVisibleToHead } from '../event-store.port';
import { openBothCountingCopies, type TestTarget } from '../../../../test/support/databases';

/**
 * The bulk loader's write-behind store on both databases: on a PostgreSQL server its flush goes
 * by COPY in text format (every backslash, tab and newline of the JSON escaped), on PGlite by
 * multi-row inserts. What is read back must be exactly what was appended.
 */
let targets: TestTarget[] = [];
/** COPY statements sent on the server's transactions: the real executor, counted on the way through. */
let copies: () => number;
beforeAll(async () => {
  ({ targets, copies } = await openBothCountingCopies('bulk'));
});
afterAll(async () => {
  for (const t of targets) await t.close();
});

test('a COPY text field escapes backslash, tab, newline and carriage return, and nothing else', () => {
  expect(copyField('张德贵 "x" \\N')).toBe('张德贵 "x" \\\\N');
  expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  expect(copyField('{"a":"b\\"c"}')).toBe('{"a":"b\\\\"c"}');
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
        try {
          const stream = `project-${randomUUID().slice(0, 8)}`;
          const events = drafts.map((d) => ({ id: randomUUID(), type: 'SomethingHappened', data: d.data, metadata: { correlationId: d.note, actor: { principalId: d.note } } }));
          await bulk.appendToStream(stream, events.slice(0, 1), { expectedRevision: 'no_stream' });
          if (events.length > 1) await bulk.appendToStreams([{ stream, events: events.slice(1), expectedRevision: 0n }]);
          const before = copies();
          await bulk.flush();
          // On a server the batch went as one COPY, from the loader's COPY thread.
          expect(copies() - before).toBe(t.db.kind === 'postgres' ? 1 : 0);
          const back = await inner.readStream(stream);
          expect(back.map((e) => [e.id, e.revision, e.type, e.data, e.metadata])).toEqual(events.map((e, i) => [e.id, BigInt(i), e.type, e.data, e.metadata]));
        } finally {
          await bulk.close();
        }
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
    // A failed store stays failed (its close says so again); closing lets its writer go.
    await expect(bulk.close()).rejects.toThrow(/duplicate key|unique/);
  }
});

test('a batch the database refuses part of is written not at all: a NUL in one event, or a taken revision behind 20,000 others', async () => {
  for (const t of targets) {
    const inner = await PostgresEventStore.create(t.db);
    const fresh = () => `project-${randomUUID().slice(0, 8)}`;
    // jsonb takes no \u0000: the whole flush fails, the good event before it included.
    let bulk = await BulkLoadEventStore.over(inner);
    const [good, bad] = [fresh(), fresh()];
    await bulk.appendToStream(good, [{ id: randomUUID(), type: 'SomethingHappened', data: { n: 1 }, metadata: {} }], { expectedRevision: 'no_stream' });
    await bulk.appendToStream(bad, [{ id: randomUUID(), type: 'SomethingHappened', data: { s: 'a\u0000b' }, metadata: {} }], { expectedRevision: 'no_stream' });
    await expect(bulk.flush()).rejects.toThrow(/\\u0000|unsupported Unicode/);
    expect([...(await inner.readStream(good)), ...(await inner.readStream(bad))]).toEqual([]);
    await bulk.close().catch(() => undefined);
    // The server refuses the last row of a large batch while the rest is still arriving.
    bulk = await BulkLoadEventStore.over(inner);
    const many = fresh();
    const taken = fresh();
    await bulk.appendToStream(many, Array.from({ length: 20_000 }, (_, i) => ({ id: randomUUID(), type: 'SomethingHappened', data: { i }, metadata: { c: 'x' } })),
      { expectedRevision: 'no_stream' });
    await bulk.appendToStream(taken, [{ id: randomUUID(), type: 'SomethingHappened', data: {}, metadata: {} }], { expectedRevision: 'no_stream' });
    await inner.appendToStream(taken, [{ id: randomUUID(), type: 'SomethingHappened', data: { first: true }, metadata: {} }], { expectedRevision: 'no_stream' });
    await expect(bulk.flush()).rejects.toThrow(/duplicate key|unique/);
    expect(await inner.readStream(many, { maxCount: 1 })).toEqual([]);
    await bulk.close().catch(() => undefined);
    // The store is usable afterwards: a plain append lands.
    await inner.appendToStream(fresh(), [{ id: randomUUID(), type: 'SomethingHappened', data: {}, metadata: {} }], { expectedRevision: 'no_stream' });
  }
}, 60_000);

test('on a server the COPY thread opens one connection at its first write, keeps writing after a refused batch, and ends with close', async () => {
  const t = targets.find((x) => x.db.kind === 'postgres')!;
  const inner = await PostgresEventStore.create(t.db);
  const connections = async () => Number((await t.db.query<{ n: string }>('select count(*)::text as n from pg_stat_activity where application_name = $1',
    [CopyThread.applicationName(t.db.schema)])).rows[0].n);
  const gone = async () => {
    // The backend goes a moment after the client's goodbye.
    for (let i = 0; i < 100 && (await connections()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    return connections();
  };
  const copy = 'copy events (stream_id, stream_revision, event_id, event_type, data, metadata) from stdin';
  const thread = t.db.copyThread!();
  expect(await connections()).toBe(0);
  const [a, b] = [`project-${randomUUID().slice(0, 8)}`, `project-${randomUUID().slice(0, 8)}`];
  // Refused: jsonb takes no \u0000. Nothing of the write is stored, and the next write still goes.
  await expect(thread.write(copy, 6, [b, '0', randomUUID(), 'SomethingHappened', '{}', '{}', a, '0', randomUUID(), 'SomethingHappened', '{"s":"x\\u0000y"}', '{}']))
    .rejects.toThrow(/\\u0000|unsupported Unicode/);
  expect(await connections()).toBe(1);
  await thread.write(copy, 6, [b, '0', randomUUID(), 'SomethingHappened', JSON.stringify({ t: 'a\tb\\c\n张' }), '{}']);
  expect((await inner.readStream(b)).map((e) => e.data)).toEqual([{ t: 'a\tb\\c\n张' }]);
  expect(await inner.readStream(a)).toEqual([]);
  // PostgreSQL's particulars come back with a refusal: which constraint a taken revision broke.
  await expect(thread.write(copy, 6, [b, '0', randomUUID(), 'SomethingHappened', '{}', '{}'])).rejects.toMatchObject({ code: '23505', constraint: expect.any(String) });
  // The server ends the thread's connection between two writes (a restart, an idle timeout): the next write goes on a new one.
  await t.db.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [CopyThread.applicationName(t.db.schema)]);
  expect(await gone()).toBe(0);
  await thread.write(copy, 6, [b, '1', randomUUID(), 'SomethingHappened', '{"n":2}', '{}']);
  expect((await inner.readStream(b)).map((e) => e.data)).toEqual([{ t: 'a\tb\\c\n张' }, { n: 2 }]);
  expect(await connections()).toBe(1);
  await thread.close();
  expect(await gone()).toBe(0);
  await expect(thread.write(copy, 6, [])).rejects.toThrow(/ended/);

  // A bulk store starts its thread at its first flush and ends it with close.
  const bulk = await BulkLoadEventStore.over(inner);
  expect(bulk.writtenBy).toBe('copy-thread');
  await bulk.appendToStream(a, [{ id: randomUUID(), type: 'SomethingHappened', data: { n: 1 }, metadata: {} }], { expectedRevision: 'no_stream' });
  await bulk.flush();
  expect(await connections()).toBe(1);
  await bulk.close();
  expect(await gone()).toBe(0);
});

test('on PGlite the bulk store writes by multi-row inserts, with no thread', async () => {
  const t = targets.find((x) => x.db.kind === 'embedded')!;
  const bulk = await BulkLoadEventStore.over(await PostgresEventStore.create(t.db));
  expect(bulk.writtenBy).toBe('insert');
  await bulk.close();
});

test('settling after a bulk load leaves every page of the log all-visible (a window\'s bounds read from the index alone) and its rows counted for the planner, on both databases', async () => {
  for (const t of targets) {
    const inner = await PostgresEventStore.create(t.db);
    const bulk = await BulkLoadEventStore.over(inner);
    for (let i = 0; i < 300; i++) {
      await bulk.appendToStream(`project-settle${i}-${randomUUID().slice(0, 6)}`, [{ id: randomUUID(), type: 'SomethingHappened', data: { i, pad: 'x'.repeat(200) }, metadata: {} }],
        { expectedRevision: 'no_stream' });
    }
    await bulk.flush();
    await bulk.close();
    await untilVisibleToHead(inner);
    const table = async () => (await t.db.query<{ visible: number; pages: number; tuples: number; rows: number }>(
      `select relallvisible as visible, relpages as pages, reltuples::float8 as tuples, (select count(*)::int from events) as rows from pg_class where oid = 'events'::regclass`)).rows[0];
    await inner.settleAfterBulkLoad();
    // A transaction that another test file holds open on the server keeps a page from being all-visible until it ends: settle again then.
    for (let i = 0, now = await table(); i < 50 && now.visible < now.pages; i++, now = await table()) {
      await new Promise((r) => setTimeout(r, 200));
      await inner.settleAfterBulkLoad();
    }
    const settled = await table();
    expect(settled.pages).toBeGreaterThan(1);
    expect(settled.visible).toBe(settled.pages);
    expect(settled.tuples).toBe(settled.rows);
  }
});
