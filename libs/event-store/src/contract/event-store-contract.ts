import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { InvalidEventError, WrongExpectedRevisionError } from '../errors';
import { comparePositions, type EventStore, type GlobalPosition, type NewEvent, type RecordedEvent, type StreamAppend } from '../event-store.port';

/**
 * The one contract every event-store adapter passes. Each adapter's int-spec calls this with a
 * factory; capabilities say which cases its backend can exhibit (PGlite has one connection, so
 * two transactions can never be open at once there).
 */
export type ContractTarget = {
  store: EventStore;
  /** Make the next positions exceed 2^53 so bigint handling is exercised. */
  jumpPositionsBeyondSafeInteger?: () => Promise<void>;
  /**
   * Begin a transaction that appends one event to `stream` and do not commit it until the
   * returned commit() is called (the gap case). Backends with one writer omit it.
   */
  openUncommittedAppend?: (stream: string, event: NewEvent) => Promise<{ commit: () => Promise<void> }>;
  /** Two appends can really run at the same time. */
  concurrentWriters: boolean;
  /**
   * Whether the store refuses an event id already stored in another stream. PostgreSQL does (a
   * unique index); KurrentDB checks ids per stream only. Our ids derive from the stream name, so
   * nothing we write depends on it.
   */
  eventIdsUniqueAcrossStreams: boolean;
  /**
   * Whether appendToStreams can check a stream it does not write (`events: []`) in the same atomic
   * step. Default true. KurrentDB's AppendSession cannot (it refuses a request without records),
   * so that adapter refuses such an append, writing nothing, rather than check non-atomically.
   */
  checkOnlyStreams?: boolean;
  cleanup: () => Promise<void>;
};

export const newEvent = (type = 'SomethingHappened', data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c-1' },
});

const uniqueStream = (category = 'project') => `${category}-${randomUUID().slice(0, 8)}`;

export function describeEventStoreContract(name: string, makeTarget: () => Promise<ContractTarget>) {
  describe(`event-store contract: ${name}`, () => {
    let t: ContractTarget;
    beforeAll(async () => {
      t = await makeTarget();
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    test('appends and reads a stream in revision order with data and metadata intact', async () => {
      const stream = uniqueStream();
      const events = [newEvent('ProjectProposed', { name: '机耕道硬化', amountFen: '38000000' }), newEvent('ProjectApproved', { n: 2 })];
      const result = await t.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(1n);
      const read = await t.store.readStream(stream);
      expect(read.map((e) => [e.revision, e.type, e.id])).toEqual([
        [0n, 'ProjectProposed', events[0].id],
        [1n, 'ProjectApproved', events[1].id],
      ]);
      expect(read[0].data).toEqual({ name: '机耕道硬化', amountFen: '38000000' });
      expect(read[0].metadata).toEqual({ correlationId: 'c-1' });
      expect(read[0].recordedAt).toBeInstanceOf(Date);
      expect(comparePositions(read[0].position, read[1].position)).toBeLessThan(0);
      expect(await t.store.readStream(stream, { fromRevision: 1n })).toHaveLength(1);
      expect(await t.store.readStream(uniqueStream())).toEqual([]);
    });

    test('refuses an append whose expected revision does not match, and writes nothing', async () => {
      const stream = uniqueStream();
      await t.store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
      await expect(t.store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(t.store.appendToStream(stream, [newEvent()], { expectedRevision: 5n })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(
        t.store.appendToStream(uniqueStream(), [newEvent()], { expectedRevision: 'stream_exists' }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await t.store.readStream(stream)).toHaveLength(1);
      const ok = await t.store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 0n });
      expect(ok.nextExpectedRevision).toBe(2n);
      const any = await t.store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' });
      expect(any.nextExpectedRevision).toBe(3n);
    });

    test('an append is all of its events or none', async () => {
      const stream = uniqueStream();
      await expect(
        t.store.appendToStream(stream, [newEvent(), { ...newEvent(), type: 'not a type' }], { expectedRevision: 'no_stream' }),
      ).rejects.toThrow(/event type/);
      await expect(
        t.store.appendToStream(stream, [newEvent(), { ...newEvent(), data: null as never }], { expectedRevision: 'no_stream' }),
      ).rejects.toThrow(/data/);
      expect(await t.store.readStream(stream)).toEqual([]);
    });

    test('refuses a stream of an unknown category with a clear error', async () => {
      await expect(t.store.appendToStream('ledger-1', [newEvent()])).rejects.toThrow(/no known category/);
      await expect(t.store.readStream('nocategory')).rejects.toThrow(/no known category/);
    });

    test('a retried append with the same event ids is de-duplicated, not doubled', async () => {
      const stream = uniqueStream();
      const events = [newEvent(), newEvent()];
      const first = await t.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      const retryExact = await t.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      const retryAny = await t.store.appendToStream(stream, events, { expectedRevision: 'any' });
      expect(retryExact).toEqual(first);
      expect(retryAny).toEqual(first);
      expect(await t.store.readStream(stream)).toHaveLength(2);
      // The same ids presented for another stream are not a retry: refused where the backend can tell.
      if (t.eventIdsUniqueAcrossStreams) {
        await expect(t.store.appendToStream(uniqueStream(), events, { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
      }
    });

    test('reads all events in global order, after an exclusive position, filtered by category', async () => {
      const before = await t.store.lastPosition();
      const a = uniqueStream('project');
      const b = uniqueStream('payment');
      const e1 = newEvent('A1');
      const e2 = newEvent('B1');
      const e3 = newEvent('A2');
      await t.store.appendToStream(a, [e1]);
      await t.store.appendToStream(b, [e2]);
      await t.store.appendToStream(a, [e3]);
      // Visibility may trail a commit while an older transaction runs elsewhere in the database.
      await waitFor(async () => (await t.store.readAll({ after: before, maxCount: 100 })).length >= 3);
      const all = await t.store.readAll({ after: before, maxCount: 100 });
      expect(all.map((e) => e.id)).toEqual([e1.id, e2.id, e3.id]);
      for (let i = 1; i < all.length; i++) expect(comparePositions(all[i - 1].position, all[i].position)).toBeLessThan(0);
      expect((await t.store.readAll({ after: all[0].position, maxCount: 100 })).map((e) => e.id)).toEqual([e2.id, e3.id]);
      expect((await t.store.readAll({ after: before, maxCount: 1 })).map((e) => e.id)).toEqual([e1.id]);
      expect((await t.store.readAll({ after: before, categories: ['payment'] })).map((e) => e.id)).toEqual([e2.id]);
      expect(await t.store.lastPosition()).toEqual(all[2].position);
      expect(await t.store.countAfter(all[0].position)).toBe(2n);
    });

    test('a window spans every position but returns only the types asked for, and ends where the log ends', async () => {
      const before = await t.store.lastPosition();
      const written: NewEvent[] = [];
      for (let i = 0; i < 11; i++) {
        // The last event is of a type not asked for: the window must still end on it.
        const e = newEvent(i % 3 === 0 && i < 10 ? 'WindowKept' : 'WindowPassed', { i });
        written.push(e);
        await t.store.appendToStream(uniqueStream(i % 2 ? 'payment' : 'project'), [e]);
      }
      const head = await t.store.headPosition();
      await waitFor(async () => comparePositions((await t.store.lastPosition())!, head!) >= 0);
      const all = await t.store.readAll({ after: before, maxCount: 100 });
      expect(all.map((e) => e.id)).toEqual(written.map((e) => e.id));

      const kept: RecordedEvent[] = [];
      const ends: GlobalPosition[] = [];
      let spanned = 0;
      let after = before;
      for (;;) {
        const w = await t.store.readWindow({ after, span: 4, types: ['WindowKept'] });
        if (!w.to) {
          expect(w).toEqual({ events: [], to: undefined, spanned: 0 });
          break;
        }
        expect(w.events.every((e) => e.type === 'WindowKept' && comparePositions(e.position, w.to!) <= 0)).toBe(true);
        kept.push(...w.events);
        ends.push(w.to);
        spanned += w.spanned;
        after = w.to;
      }
      expect(kept.map((e) => e.id)).toEqual(written.filter((e) => e.type === 'WindowKept').map((e) => e.id));
      expect(kept).toEqual(all.filter((e) => e.type === 'WindowKept'));
      expect(ends).toEqual([all[3].position, all[7].position, all[10].position]);
      expect(spanned).toBe(11);
      // Without types a window is the page readAll gives.
      const plain = await t.store.readWindow({ after: before, span: 5 });
      expect(plain).toEqual({ events: all.slice(0, 5), to: all[4].position, spanned: 5 });
    });

    test('a window read with jsonText gives the same events, with texts that parse to their data and metadata', async () => {
      const before = await t.store.lastPosition();
      const data = { 名称: '道路硬化', amountFen: '1234567', nested: { z: [1, 2.5, { b: null, a: true }], a: 'x"y\\z' }, '10': 'ten', '2': 'two' };
      for (let i = 0; i < 6; i++) await t.store.appendToStream(uniqueStream('project'), [newEvent(i % 2 ? 'TextKept' : 'TextPassed', { ...data, i })]);
      const head = await t.store.headPosition();
      await waitFor(async () => comparePositions((await t.store.lastPosition())!, head!) >= 0);
      for (const types of [undefined, ['TextKept']]) {
        const plain = await t.store.readWindow({ after: before, span: 6, types });
        const texts = await t.store.readWindow({ after: before, span: 6, types, jsonText: true });
        expect(texts.to).toEqual(plain.to);
        expect(texts.spanned).toBe(plain.spanned);
        expect(texts.events.length).toBe(types ? 3 : 6);
        texts.events.forEach((e, i) => {
          const p = plain.events[i];
          expect([e.id, e.streamId, e.revision, e.type, e.position, e.recordedAt]).toEqual([p.id, p.streamId, p.revision, p.type, p.position, p.recordedAt]);
          expect(e.data).toEqual(p.data);
          expect(e.metadata).toEqual(p.metadata);
          // PostgreSQL and PGlite hold JSON as text and give it; KurrentDB's client parses every event itself.
          if (t.store.kind === 'kurrentdb') expect(e.jsonText).toBeUndefined();
          else {
            expect(JSON.parse(e.jsonText!.data)).toEqual(p.data);
            expect(JSON.parse(e.jsonText!.metadata)).toEqual(p.metadata);
          }
        });
        expect(plain.events.every((e) => e.jsonText === undefined)).toBe(true);
      }
    });

    test('a window read with metadataTypes gives those types their metadata, and the rest theirs or none', async () => {
      const before = await t.store.lastPosition();
      for (let i = 0; i < 6; i++) {
        await t.store.appendToStream(uniqueStream('project'), [{ ...newEvent(['MetaKept', 'MetaDropped', 'MetaUnread'][i % 3], { i }), metadata: { actor: { principalId: `p${i}` } } }]);
      }
      const head = await t.store.headPosition();
      await waitFor(async () => comparePositions((await t.store.lastPosition())!, head!) >= 0);
      const types = ['MetaKept', 'MetaDropped'];
      const full = await t.store.readWindow({ after: before, span: 6, types });
      for (const jsonText of [false, true]) {
        const w = await t.store.readWindow({ after: before, span: 6, types, metadataTypes: ['MetaKept'], jsonText });
        expect([w.to, w.spanned, w.events.map((e) => e.id)]).toEqual([full.to, full.spanned, full.events.map((e) => e.id)]);
        w.events.forEach((e, i) => {
          expect(e.data).toEqual(full.events[i].data);
          if (e.type === 'MetaKept') expect(e.metadata).toEqual(full.events[i].metadata);
          // PostgreSQL and PGlite leave it out where it is read; KurrentDB's client and the default give it.
          else expect(e.metadata).toEqual(t.store.kind === 'kurrentdb' ? full.events[i].metadata : {});
        });
        expect(w.events.filter((e) => e.type === 'MetaKept').every((e) => (e.metadata.actor as { principalId: string }).principalId.startsWith('p'))).toBe(true);
      }
    });

    test('global order is numeric across hundreds of commits (no text ordering of positions), page by page', async () => {
      const before = await t.store.lastPosition();
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) {
        const e = newEvent('Counted', { i });
        ids.push(e.id);
        await t.store.appendToStream(uniqueStream('payment'), [e]);
      }
      const head = await t.store.headPosition();
      await waitFor(async () => comparePositions((await t.store.lastPosition())!, head!) >= 0);
      const seen: RecordedEvent[] = [];
      let after = before;
      for (;;) {
        const page = await t.store.readAll({ after, maxCount: 7, categories: ['payment'] });
        if (page.length === 0) break;
        seen.push(...page);
        after = page[page.length - 1].position;
      }
      expect(seen.map((e) => e.id)).toEqual(ids);
      for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].position, seen[i].position)).toBeLessThan(0);
      expect(await t.store.lastPosition()).toEqual(seen[seen.length - 1].position);
    });

    test('a subscription delivers live appends and resumes from a checkpoint without loss or repeat', async () => {
      const start = await t.store.lastPosition();
      const stream = uniqueStream();
      const seen: RecordedEvent[] = [];
      const sub = t.store.subscribeToAll(async (batch) => void seen.push(...batch), { after: start, idleMs: 20 });
      const first = [newEvent(), newEvent(), newEvent()];
      await t.store.appendToStream(stream, first);
      await waitFor(() => seen.length >= 3);
      await sub.stop();
      const checkpoint = seen[seen.length - 1].position;
      const second = [newEvent(), newEvent()];
      await t.store.appendToStream(stream, second);
      const resumed: RecordedEvent[] = [];
      const sub2 = t.store.subscribeToAll(async (batch) => void resumed.push(...batch), { after: checkpoint, idleMs: 20 });
      await waitFor(() => resumed.length >= 2);
      await new Promise((r) => setTimeout(r, 60));
      await sub2.stop();
      expect(seen.map((e) => e.id)).toEqual(first.map((e) => e.id));
      expect(resumed.map((e) => e.id)).toEqual(second.map((e) => e.id));
    });

    test('a failing subscription handler ends the subscription with its error', async () => {
      await t.store.appendToStream(uniqueStream(), [newEvent()]);
      const sub = t.store.subscribeToAll(async () => {
        throw new Error('projection broke');
      });
      await expect(sub.done).rejects.toThrow('projection broke');
    });

    describe('appendToStreams: atomic over several streams', () => {
      const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);

      test('writes to three streams at once and reports each stream\'s revision', async () => {
        const a = uniqueStream('project');
        const b = uniqueStream('payment');
        const c = uniqueStream('project');
        await t.store.appendToStream(b, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const ea = [newEvent('ProjectApproved', { amountFen: '120000' })];
        const eb = [newEvent('PaymentMade'), newEvent('PaymentBooked')];
        const ec = [newEvent('ProjectProposed'), newEvent('ProjectApproved'), newEvent('ProjectFunded')];
        const result = await t.store.appendToStreams([
          { stream: a, events: ea, expectedRevision: 'no_stream' },
          { stream: b, events: eb, expectedRevision: 1n },
          { stream: c, events: ec, expectedRevision: 'any' },
        ]);
        expect(result.streams).toEqual([
          { stream: a, nextExpectedRevision: 0n },
          { stream: b, nextExpectedRevision: 3n },
          { stream: c, nextExpectedRevision: 2n },
        ]);
        const [ra, rb, rc] = await Promise.all([t.store.readStream(a), t.store.readStream(b), t.store.readStream(c)]);
        expect(ids(ra)).toEqual(ids(ea));
        expect(ids(rb.slice(2))).toEqual(ids(eb));
        expect(ids(rc)).toEqual(ids(ec));
        // Data and metadata read back exactly as appendToStream's do.
        expect(ra[0].data).toEqual({ amountFen: '120000' });
        expect(ra[0].metadata).toEqual({ correlationId: 'c-1' });
        // The reported position is the last event written.
        const lastWritten = rc[rc.length - 1];
        expect(result.position).toEqual(lastWritten.position);
        for (const e of [...ra, ...rb.slice(2)]) expect(comparePositions(e.position, result.position)).toBeLessThan(0);
      });

      test('nested metadata survives the atomic append exactly as appendToStream keeps it', async () => {
        const stream = uniqueStream('project');
        const other = uniqueStream('payment');
        const metadata = { correlationId: 'c-9', actor: { id: 'u-1', roles: ['clerk', 'auditor'], level: 3 }, recordedAt: '2024-05-01T08:30:00.123Z' };
        const e = { ...newEvent(), metadata };
        const single = { ...newEvent(), metadata };
        await t.store.appendToStreams([
          { stream, events: [e], expectedRevision: 'no_stream' },
          { stream: other, events: [newEvent()], expectedRevision: 'no_stream' },
        ]);
        await t.store.appendToStream(stream, [single], { expectedRevision: 0n });
        const read = await t.store.readStream(stream);
        expect(read[0].metadata).toEqual(metadata);
        expect(read[1].metadata).toEqual(read[0].metadata);
      });

      test('one stale stream fails the whole append, names that stream, and nothing is written', async () => {
        const a = uniqueStream('project');
        const b = uniqueStream('payment');
        const c = uniqueStream('project');
        await t.store.appendToStream(b, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const attempt = t.store.appendToStreams([
          { stream: a, events: [newEvent()], expectedRevision: 'no_stream' },
          { stream: b, events: [newEvent()], expectedRevision: 0n }, // stale: b is at 1
          { stream: c, events: [newEvent(), newEvent()], expectedRevision: 'any' },
        ]);
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(attempt).rejects.toMatchObject({ stream: b, expected: 0n, actual: 1n });
        expect(await t.store.readStream(a)).toEqual([]);
        expect(await t.store.readStream(b)).toHaveLength(2);
        expect(await t.store.readStream(c)).toEqual([]);
        // Also when the stale one is a stream that must not exist yet.
        await expect(
          t.store.appendToStreams([
            { stream: a, events: [newEvent()], expectedRevision: 'no_stream' },
            { stream: b, events: [newEvent()], expectedRevision: 'no_stream' },
          ]),
        ).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', stream: b });
        expect(await t.store.readStream(a)).toEqual([]);
      });

      test('a check-only stream that moved fails the append', async () => {
        const written = uniqueStream('payment');
        const checked = uniqueStream('project');
        await t.store.appendToStream(checked, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const attempt = t.store.appendToStreams([
          { stream: written, events: [newEvent()], expectedRevision: 'no_stream' },
          { stream: checked, events: [], expectedRevision: 0n }, // it moved on to 1
        ]);
        if (t.checkOnlyStreams === false) await expect(attempt).rejects.toThrow(/check/);
        else await expect(attempt).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', stream: checked, actual: 1n });
        expect(await t.store.readStream(written)).toEqual([]);
        expect(await t.store.readStream(checked)).toHaveLength(2);
      });

      test('a check-only stream at its revision passes and is not written', async () => {
        const written = uniqueStream('payment');
        const checked = uniqueStream('project');
        const absent = uniqueStream('project');
        await t.store.appendToStream(checked, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const e = newEvent();
        const appends: StreamAppend[] = [
          { stream: written, events: [e], expectedRevision: 'no_stream' },
          { stream: checked, events: [], expectedRevision: 1n },
          { stream: absent, events: [], expectedRevision: 'no_stream' },
        ];
        if (t.checkOnlyStreams === false) {
          await expect(t.store.appendToStreams(appends)).rejects.toThrow(/check/);
          expect(await t.store.readStream(written)).toEqual([]);
          expect(await t.store.readStream(checked)).toHaveLength(2);
          return;
        }
        const result = await t.store.appendToStreams(appends);
        expect(result.streams).toEqual([
          { stream: written, nextExpectedRevision: 0n },
          { stream: checked, nextExpectedRevision: 1n },
          { stream: absent, nextExpectedRevision: undefined },
        ]);
        expect(ids(await t.store.readStream(written))).toEqual([e.id]);
        expect(await t.store.readStream(checked)).toHaveLength(2);
        expect(await t.store.readStream(absent)).toEqual([]);
        expect(result.position).toEqual((await t.store.readStream(written))[0].position);
      });

      test('a retry of the very same append answers as the first and writes nothing twice', async () => {
        const a = uniqueStream('project');
        const b = uniqueStream('payment');
        await t.store.appendToStream(b, [newEvent()], { expectedRevision: 'no_stream' });
        const appends: StreamAppend[] = [
          { stream: a, events: [newEvent(), newEvent()], expectedRevision: 'no_stream' },
          { stream: b, events: [newEvent()], expectedRevision: 0n },
        ];
        const first = await t.store.appendToStreams(appends);
        const retry = await t.store.appendToStreams(appends);
        expect(retry).toEqual(first);
        expect(await t.store.readStream(a)).toHaveLength(2);
        expect(await t.store.readStream(b)).toHaveLength(2);
      });

      test('the same ids under a different expected state are a conflict, not a retry', async () => {
        const a = uniqueStream('project');
        const b = uniqueStream('payment');
        const ea = [newEvent()];
        const eb = [newEvent(), newEvent()];
        await t.store.appendToStreams([
          { stream: a, events: ea, expectedRevision: 'no_stream' },
          { stream: b, events: eb, expectedRevision: 'no_stream' },
        ]);
        // A command re-run after its first append went through: it read the streams (now ending
        // with its own events) and decides again, with the same deterministic ids.
        await expect(
          t.store.appendToStreams([
            { stream: a, events: ea, expectedRevision: 0n },
            { stream: b, events: eb, expectedRevision: 1n },
          ]),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(ids(await t.store.readStream(a))).toEqual(ids(ea));
        expect(ids(await t.store.readStream(b))).toEqual(ids(eb));
      });

      test('refuses a stream named twice, an append with no event, and malformed events, writing nothing', async () => {
        const a = uniqueStream('project');
        const b = uniqueStream('payment');
        await expect(
          t.store.appendToStreams([
            { stream: a, events: [newEvent()], expectedRevision: 'no_stream' },
            { stream: a, events: [newEvent()], expectedRevision: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidEventError);
        await expect(
          t.store.appendToStreams([
            { stream: a, events: [], expectedRevision: 'any' },
            { stream: b, events: [], expectedRevision: 'any' },
          ]),
        ).rejects.toBeInstanceOf(InvalidEventError);
        await expect(t.store.appendToStreams([])).rejects.toBeInstanceOf(InvalidEventError);
        await expect(
          t.store.appendToStreams([
            { stream: a, events: [newEvent()], expectedRevision: 'no_stream' },
            { stream: b, events: [{ ...newEvent(), type: 'not a type' }], expectedRevision: 'no_stream' },
          ]),
        ).rejects.toBeInstanceOf(InvalidEventError);
        await expect(
          t.store.appendToStreams([{ stream: 'ledger-1', events: [newEvent()], expectedRevision: 'any' }]),
        ).rejects.toThrow(/no known category/);
        expect(await t.store.readStream(a)).toEqual([]);
        expect(await t.store.readStream(b)).toEqual([]);
      });

      test('two writers on overlapping streams at the same revisions: exactly one wins, all or nothing', async () => {
        if (!t.concurrentWriters) return;
        for (let round = 0; round < 10; round++) {
          const shared = uniqueStream('project');
          const left = uniqueStream('payment');
          const right = uniqueStream('payment');
          await t.store.appendToStream(shared, [newEvent()], { expectedRevision: 'no_stream' });
          const l = [newEvent('Left')];
          const r = [newEvent('Right')];
          const results = await Promise.allSettled([
            t.store.appendToStreams([
              { stream: left, events: l, expectedRevision: 'no_stream' },
              { stream: shared, events: [newEvent('Left')], expectedRevision: 0n },
            ]),
            t.store.appendToStreams([
              { stream: shared, events: [newEvent('Right')], expectedRevision: 0n },
              { stream: right, events: r, expectedRevision: 'no_stream' },
            ]),
          ]);
          expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
          const loser = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
          expect(loser.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect((loser.reason as WrongExpectedRevisionError).stream).toBe(shared);
          const leftWon = results[0].status === 'fulfilled';
          expect(await t.store.readStream(shared)).toHaveLength(2);
          expect(ids(await t.store.readStream(left))).toEqual(leftWon ? ids(l) : []);
          expect(ids(await t.store.readStream(right))).toEqual(leftWon ? [] : ids(r));
        }
      });

      test('appended events reach readAll and subscribers in one global order', async () => {
        const before = await t.store.lastPosition();
        const a = uniqueStream('project');
        const b = uniqueStream('payment');
        const ea = [newEvent(), newEvent()];
        const eb = [newEvent()];
        const result = await t.store.appendToStreams([
          { stream: a, events: ea, expectedRevision: 'no_stream' },
          { stream: b, events: eb, expectedRevision: 'no_stream' },
        ]);
        await waitFor(async () => comparePositions((await t.store.lastPosition())!, result.position) >= 0);
        const all = await t.store.readAll({ after: before, maxCount: 100 });
        expect(ids(all.filter((e) => e.streamId === a || e.streamId === b))).toEqual(ids([...ea, ...eb]));
        const seen: RecordedEvent[] = [];
        const sub = t.store.subscribeToAll(async (batch) => void seen.push(...batch), { after: before, idleMs: 20 });
        await waitFor(() => seen.filter((e) => e.streamId === a || e.streamId === b).length >= 3);
        await sub.stop();
        expect(ids(seen.filter((e) => e.streamId === a || e.streamId === b))).toEqual(ids([...ea, ...eb]));
      });
    });

    test('revisions and positions are bigint and survive values beyond 2^53', async () => {
      if (!t.jumpPositionsBeyondSafeInteger) return expect(t.jumpPositionsBeyondSafeInteger).toBeUndefined();
      await t.jumpPositionsBeyondSafeInteger();
      const stream = uniqueStream();
      const r = await t.store.appendToStream(stream, [newEvent()]);
      expect(typeof r.position.prepare).toBe('bigint');
      expect(r.position.prepare > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      const [read] = await t.store.readStream(stream);
      expect(read.position).toEqual(r.position);
      expect(typeof read.revision).toBe('bigint');
      await waitFor(async () => (await t.store.readAll({ after: { commit: r.position.commit, prepare: r.position.prepare - 1n } })).length > 0);
      const after = await t.store.readAll({ after: { commit: r.position.commit, prepare: r.position.prepare - 1n } });
      expect(after[0].id).toBe(read.id);
    });
  });
}

/** Cases only a backend with real concurrent transactions can exhibit. */
export function describeConcurrentContract(name: string, makeTarget: () => Promise<ContractTarget>) {
  describe(`event-store contract (concurrent writers): ${name}`, () => {
    let t: ContractTarget;
    beforeAll(async () => {
      t = await makeTarget();
      expect(t.concurrentWriters).toBe(true);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    test('two writers at the same expected revision: exactly one wins, every time', async () => {
      for (let round = 0; round < 20; round++) {
        const stream = uniqueStream();
        await t.store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled([
          t.store.appendToStream(stream, [newEvent('Left')], { expectedRevision: 0n }),
          t.store.appendToStream(stream, [newEvent('Right')], { expectedRevision: 0n }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(loser.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await t.store.readStream(stream)).toHaveLength(2);
      }
    });

    test('two writers creating the same new stream: exactly one wins', async () => {
      const stream = uniqueStream();
      const results = await Promise.allSettled([
        t.store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }),
        t.store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    test('gap case: a transaction that began first but commits last is still delivered', async () => {
      if (!t.openUncommittedAppend) throw new Error('this backend must provide openUncommittedAppend');
      const start = await t.store.lastPosition();
      const seen: RecordedEvent[] = [];
      const sub = t.store.subscribeToAll(async (batch) => void seen.push(...batch), { after: start, idleMs: 10 });
      const early = newEvent('Early');
      const late = newEvent('Late');
      // The early transaction takes its sequence number first…
      const held = await t.openUncommittedAppend(uniqueStream(), early);
      // …a later one commits, and the subscriber keeps polling past it…
      await t.store.appendToStream(uniqueStream(), [late]);
      await new Promise((r) => setTimeout(r, 150));
      expect(seen.map((e) => e.id)).not.toContain(early.id);
      // …then the early one commits. It must still arrive, and nothing twice.
      await held.commit();
      await waitFor(() => seen.some((e) => e.id === early.id) && seen.some((e) => e.id === late.id));
      await sub.stop();
      const ids = seen.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining([early.id, late.id]));
      // A plain sequence poll would have lost it: the early event has the lower sequence number.
      const early_ = seen.find((e) => e.id === early.id)!;
      const late_ = seen.find((e) => e.id === late.id)!;
      expect(early_.position.prepare < late_.position.prepare).toBe(true);
    });

    test('concurrent appends to many streams are each delivered exactly once in one global order', async () => {
      const start = await t.store.lastPosition();
      const seen: RecordedEvent[] = [];
      const sub = t.store.subscribeToAll(async (batch) => void seen.push(...batch), { after: start, idleMs: 5 });
      const written = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const e = newEvent('Parallel', { i });
          await t.store.appendToStream(uniqueStream(), [e]);
          return e.id;
        }),
      );
      await waitFor(() => written.every((id) => seen.some((e) => e.id === id)));
      await sub.stop();
      const ids = seen.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].position, seen[i].position)).toBeLessThan(0);
    });
  });
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
