import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { KurrentDBClient, MaxAppendSizeExceededError, NO_STREAM } from '@kurrent/kurrentdb-client';
import { describeEventStoreContract, newEvent, waitFor, type ContractTarget } from '../contract/event-store-contract';
import { EventStoreUnavailableError } from '../errors';
import type { RecordedEvent } from '../event-store.port';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { KurrentDbProtocolSimulator } from './kurrentdb-simulator';

/**
 * The KurrentDB adapter, with the real `@kurrent/kurrentdb-client`, against the in-process
 * protocol simulator (a gRPC server speaking the client's protocol), and against a real server
 * when KURRENTDB_URL is set.
 */
async function simulatorTarget(): Promise<ContractTarget & { simulator: KurrentDbProtocolSimulator; store: KurrentDbEventStore }> {
  const simulator = new KurrentDbProtocolSimulator();
  const { url } = await simulator.start();
  const store = await KurrentDbEventStore.connect(url);
  return {
    store,
    simulator,
    // Each append is checked and written in one synchronous step: writers never interleave.
    concurrentWriters: false,
    eventIdsUniqueAcrossStreams: false,
    // AppendSession refuses a request without records: the adapter refuses check-only parts.
    jumpPositionsBeyondSafeInteger: async () => simulator.jumpPositionsBeyondSafeInteger(),
    cleanup: async () => {
      await store.close();
      await simulator.stop();
    },
  };
}

describeEventStoreContract('KurrentDB client against the protocol simulator', simulatorTarget);

describe('KurrentDB adapter against the protocol simulator', () => {
  let t: Awaited<ReturnType<typeof simulatorTarget>>;
  beforeAll(async () => {
    t = await simulatorTarget();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test('a dropped subscription resubscribes from its last position: every event once, in order', async () => {
    const start = await t.store.lastPosition();
    const stream = `project-${randomUUID().slice(0, 8)}`;
    const seen: RecordedEvent[] = [];
    const sub = t.store.subscribeToAll(async (batch) => void seen.push(...batch), { after: start });
    const before = [newEvent(), newEvent(), newEvent()];
    await t.store.appendToStream(stream, before, { expectedRevision: 'no_stream' });
    await waitFor(() => seen.length >= 3);
    expect(t.simulator.dropSubscriptions()).toBe(1);
    const after = [newEvent(), newEvent()];
    await t.store.appendToStream(stream, after, { expectedRevision: 2n });
    await waitFor(() => seen.length >= 5);
    // A second drop while idle, then more events.
    await waitFor(() => t.simulator.subscriptions.size === 1);
    t.simulator.dropSubscriptions();
    const last = [newEvent()];
    await t.store.appendToStream(stream, last, { expectedRevision: 4n });
    await waitFor(() => seen.length >= 6);
    await new Promise((r) => setTimeout(r, 100));
    await sub.stop();
    expect(seen.map((e) => e.id)).toEqual([...before, ...after, ...last].map((e) => e.id));
    expect(seen.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  test('a drop while the handler is still busy is not lost and not an unhandled error', async () => {
    const start = await t.store.lastPosition();
    const stream = `payment-${randomUUID().slice(0, 8)}`;
    const seen: RecordedEvent[] = [];
    let busy: (() => void) | undefined;
    const sub = t.store.subscribeToAll(
      async (batch) => {
        seen.push(...batch);
        if (seen.length === 1) await new Promise<void>((resolve) => (busy = resolve));
      },
      { after: start, categories: ['payment'] },
    );
    const first = newEvent();
    await t.store.appendToStream(stream, [first], { expectedRevision: 'no_stream' });
    await waitFor(() => busy !== undefined);
    const during = [newEvent(), newEvent()];
    await t.store.appendToStream(stream, during, { expectedRevision: 0n });
    expect(t.simulator.dropSubscriptions()).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    busy!();
    const later = [newEvent()];
    await t.store.appendToStream(stream, later, { expectedRevision: 2n });
    await t.store.appendToStream(`project-${randomUUID().slice(0, 8)}`, [newEvent()]); // other category
    await waitFor(() => seen.length >= 4);
    await new Promise((r) => setTimeout(r, 100));
    await sub.stop();
    expect(seen.map((e) => e.id)).toEqual([first, ...during, ...later].map((e) => e.id));
  });

  test('recordedAt is the same on readAll, readStream and subscribeToAll, and is the append time', async () => {
    // Subscriptions convert `created` over grpc-js, reads over the Rust bridge (whole seconds):
    // a live projection and a rebuild must still store identical values.
    const start = await t.store.lastPosition();
    const stream = `project-${randomUUID().slice(0, 8)}`;
    const seen: RecordedEvent[] = [];
    const sub = t.store.subscribeToAll(async (batch) => void seen.push(...batch), { after: start, categories: ['project'] });
    const appended: { ids: string[]; before: number; after: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const events = [newEvent(), newEvent()];
      const before = Date.now();
      await t.store.appendToStream(stream, events, { expectedRevision: i === 0 ? 'no_stream' : BigInt(2 * i - 1) });
      appended.push({ ids: events.map((e) => e.id), before, after: Date.now() });
      await new Promise((r) => setTimeout(r, 350)); // spread the appends over sub-second offsets
    }
    await waitFor(() => seen.filter((e) => e.streamId === stream).length >= 6);
    await sub.stop();
    // A reader falling back to "now" would be caught: the reads happen well after the appends.
    await new Promise((r) => setTimeout(r, 1500));
    const fromAll = (await t.store.readAll({ after: start, categories: ['project'] })).filter((e) => e.streamId === stream);
    const fromStream = await t.store.readStream(stream);
    const fromSub = seen.filter((e) => e.streamId === stream);
    const ids = appended.flatMap((a) => a.ids);
    expect(fromAll.map((e) => e.id)).toEqual(ids);
    expect(fromStream.map((e) => e.id)).toEqual(ids);
    expect(fromSub.map((e) => e.id)).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      const { before, after } = appended.find((a) => a.ids.includes(id))!;
      const at = fromSub[i].recordedAt.getTime();
      expect(fromAll[i].recordedAt.getTime()).toBe(at);
      expect(fromStream[i].recordedAt.getTime()).toBe(at);
      // Whole seconds (the read path's precision), so at most 1 s before the append began.
      expect(at % 1000).toBe(0);
      expect(at).toBeGreaterThan(before - 1000);
      expect(at).toBeLessThanOrEqual(after);
    }
  });

  test('an append larger than the 1 MiB request limit is split and every event is stored', async () => {
    const stream = `project-${randomUUID().slice(0, 8)}`;
    const blob = 'x'.repeat(200 * 1024);
    const events = Array.from({ length: 8 }, (_, i) => newEvent('BigThing', { i, blob }));
    // 8 × 200 KiB ≈ 1.6 MiB: in one request the simulator would refuse it (next test).
    const result = await t.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    expect(result.nextExpectedRevision).toBe(7n);
    const read = await t.store.readStream(stream);
    expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(read.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // A retry of the whole chunked append is recognised chunk by chunk.
    expect(await t.store.appendToStream(stream, events, { expectedRevision: 'no_stream' })).toEqual(result);
    expect(await t.store.readStream(stream)).toHaveLength(8);
  });

  test('the simulator enforces the 1 MiB limit on a single unsplit append', async () => {
    const simulator = new KurrentDbProtocolSimulator();
    const { url } = await simulator.start();
    const client = KurrentDBClient.connectionString(url);
    try {
      const blob = 'x'.repeat(300 * 1024);
      const events = Array.from({ length: 4 }, (_, i) => ({
        id: randomUUID(),
        contentType: 'application/json' as const,
        type: 'BigThing',
        data: { i, blob },
        metadata: {},
      }));
      await expect(client.appendToStream('project-raw', events, { streamState: NO_STREAM })).rejects.toBeInstanceOf(
        MaxAppendSizeExceededError,
      );
    } finally {
      await client.dispose();
      await simulator.stop();
    }
  });

  test('connect() to a port nobody listens on fails with EventStoreUnavailableError', async () => {
    const simulator = new KurrentDbProtocolSimulator();
    const { url } = await simulator.start();
    await simulator.stop();
    await expect(KurrentDbEventStore.connect(url)).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });
});

const realServerUrl = process.env.KURRENTDB_URL;
if (realServerUrl) {
  describeEventStoreContract('real KurrentDB server', async () => {
    const store = await KurrentDbEventStore.connect(realServerUrl);
    return { store, concurrentWriters: true, eventIdsUniqueAcrossStreams: false, cleanup: () => store.close() };
  });
} else {
  test.skip('real KurrentDB server: skipped: no server (set KURRENTDB_URL)', () => undefined);
}
