/**
 * The official KurrentDB Node.js client's own stream tests, for every client call our adapter
 * uses (appendToStream, its BatchAppend path, multiStreamAppend, readStream, readAll,
 * subscribeToAll), adapted to jest against KurrentDbProtocolSimulator, the in-process gRPC
 * simulator of a KurrentDB 25.1 node (no server runs on this machine).
 *
 * Source: github.com/kurrent-io/KurrentDB-Client-NodeJS, packages/test/src/streams/
 * (appendToStream.test.ts, appendToStream-batch-append.test.ts, multiAppendStream.test.ts,
 * readStream.test.ts, readAll.test.ts, subscribeToAll.test.ts) at commit 8c95da31a407.
 * Adapted: the docker test node is the simulator; tests of features the simulator does not have
 * (link events, tombstones, deletes, credentials-dependent ACLs, persistent subscriptions) are
 * left out; stream names get a random suffix since one simulator serves the whole file.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  binaryEvent,
  END,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendStreamRequest,
  type EventData,
  type ResolvedEvent,
  type AllStreamResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { StreamsClient } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb';
import { KurrentDbProtocolSimulator, SIMULATED_SERVER_VERSION } from './kurrentdb-simulator';

const jsonTestEvents = (count = 4, type = 'test', metadata?: Record<string, unknown>): EventData[] =>
  Array.from({ length: count }, (_, i) => jsonEvent({ type, data: { message: 'test', index: i }, ...(metadata && { metadata }) }));

const binaryTestEvents = (count = 4, type = 'test'): EventData[] =>
  Array.from({ length: count }, (_, i) => binaryEvent({ type, data: Buffer.from(`hello: ${i}`) }));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

const name = (base: string) => `${base}-${randomUUID().slice(0, 8)}`;

/** The client's private methods the official batch-append test spies on. */
const spyOnClient = (client: KurrentDBClient, method: 'GRPCStreamCreator' | 'execute') =>
  jest.spyOn(client as unknown as Record<string, (...args: unknown[]) => unknown>, method);

type ServerFeaturesView = { serverVersion: string; supports: (method: { path: string }, feature?: string) => boolean };
const capabilitiesOf = (client: KurrentDBClient) => (client as unknown as { capabilities: Promise<ServerFeaturesView> }).capabilities;

describe('official client tests against the KurrentDB 25.1 protocol simulator', () => {
  let simulator: KurrentDbProtocolSimulator;
  let url: string;
  let client: KurrentDBClient;

  beforeAll(async () => {
    simulator = new KurrentDbProtocolSimulator();
    ({ url } = await simulator.start());
    client = KurrentDBClient.connectionString(url);
  });

  afterAll(async () => {
    await client.dispose();
    await simulator.stop();
  });

  describe('server features', () => {
    test('the client reports the simulator as a 25.1 server with BatchAppend and AppendSession', async () => {
      const features = await capabilitiesOf(client);
      expect(features.serverVersion).toBe(SIMULATED_SERVER_VERSION);
      expect(features.serverVersion.startsWith('25.1.')).toBe(true);
      expect(features.supports({ path: '/event_store.client.streams.Streams/BatchAppend' })).toBe(true);
      expect(features.supports({ path: '/event_store.client.streams.Streams/BatchAppend' }, 'deadline_duration')).toBe(true);
      expect(features.supports({ path: '/event_store.client.streams.Streams/Read' }, 'position')).toBe(true);
      expect(features.supports({ path: '/kurrentdb.protocol.v2.streams.StreamsService/AppendSession' })).toBe(true);
      // AppendRecords came with 26.1.
      expect(features.supports({ path: '/kurrentdb.protocol.v2.streams.StreamsService/AppendRecords' })).toBe(false);
      expect(simulator.calls.getSupportedMethods).toBeGreaterThanOrEqual(1);
    });

    test('appendToStream goes through BatchAppend and multiStreamAppend through AppendSession', async () => {
      const before = { ...simulator.calls };
      const events = jsonTestEvents(2);
      await client.appendToStream(name('counted'), events);
      // One BatchAppend call per connection carries every append; the count shows it was opened
      // (here or earlier) and the plain Append was not used.
      expect(simulator.calls.batchAppend).toBeGreaterThanOrEqual(1);
      expect(simulator.calls.append).toBe(before.append);
      await client.multiStreamAppend([{ streamName: name('counted'), events: jsonTestEvents(1), expectedState: NO_STREAM }]);
      expect(simulator.calls.appendSession).toBe(before.appendSession + 1);
      expect(simulator.calls.append).toBe(before.append);
    });
  });

  // appendToStream.test.ts
  describe('appendToStream', () => {
    describe('should successfully append to stream', () => {
      test('json events', async () => {
        const result = await client.appendToStream(name('json_stream_name'), jsonTestEvents());
        expect(result).toBeDefined();
        expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
      });

      test('unicode string in json event', async () => {
        const STREAM_NAME = name('encode1');
        const KILLER = 'CC ‐ 1830';
        await client.appendToStream(STREAM_NAME, jsonEvent({ type: 'TestEncode', data: KILLER }));
        let count = 0;
        for await (const { event } of client.readStream(STREAM_NAME, { maxCount: 1 })) {
          expect(event?.data).toStrictEqual(KILLER);
          count++;
        }
        expect(count).toEqual(1);
      });

      test('binary events', async () => {
        const result = await client.appendToStream(name('binary_stream_name'), binaryTestEvents());
        expect(result).toBeDefined();
        expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
      });

      describe('metadata', () => {
        test('json events', async () => {
          const STREAM_NAME = name('json_metadata');
          const metadata = { some: 'metadata', nested: { deep: [1, 2, 3] } };
          await client.appendToStream(STREAM_NAME, jsonEvent({ type: 'test', data: { message: 'test' }, metadata }));
          const [read] = await collect(client.readStream(STREAM_NAME));
          expect(read.event?.metadata).toEqual(metadata);
        });

        test('binary metadata (buffer)', async () => {
          const STREAM_NAME = name('buffer_metadata');
          const metadata = Buffer.from('some metadata');
          await client.appendToStream(STREAM_NAME, binaryEvent({ type: 'test', data: Buffer.from('data'), metadata }));
          const [read] = await collect(client.readStream(STREAM_NAME));
          expect(Buffer.from(read.event!.metadata as Uint8Array).toString()).toBe('some metadata');
        });

        test('undefined metadata', async () => {
          const STREAM_NAME = name('undefined_metadata');
          await client.appendToStream(STREAM_NAME, jsonEvent({ type: 'test', data: { message: 'test' } }));
          const [read] = await collect(client.readStream(STREAM_NAME));
          expect(read.event?.data).toEqual({ message: 'test' });
        });
      });

      describe('expected revision', () => {
        test('any succeeds', async () => {
          const result = await client.appendToStream(name('any_stream_doesnt_matter'), jsonTestEvents(), { streamState: ANY });
          expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
        });

        test('no_stream succeeds', async () => {
          const result = await client.appendToStream(name('no_stream_here'), jsonTestEvents(), { streamState: NO_STREAM });
          expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
        });

        test('no_stream fails', async () => {
          const STREAM_NAME = name('no_stream_here_but_there_is');
          await client.appendToStream(STREAM_NAME, jsonTestEvents());
          const error = await client.appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: NO_STREAM }).then(
            () => 'unreachable',
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(WrongExpectedVersionError);
          const w = error as WrongExpectedVersionError;
          expect(w.streamName).toBe(STREAM_NAME);
          expect(w.expectedState).toBe(NO_STREAM);
          expect(w.actualState).toBeGreaterThanOrEqual(1);
        });

        test('stream_exists succeeds', async () => {
          const STREAM_NAME = name('stream_should_exist');
          await client.appendToStream(STREAM_NAME, jsonTestEvents());
          const result = await client.appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: STREAM_EXISTS });
          expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
        });

        test('stream_exists fails', async () => {
          const STREAM_NAME = name('stream_should_exist_but_doesnt');
          const error = await client.appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: STREAM_EXISTS }).then(
            () => 'unreachable',
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(WrongExpectedVersionError);
          const w = error as WrongExpectedVersionError;
          expect(w.streamName).toBe(STREAM_NAME);
          expect(w.expectedState).toBe(STREAM_EXISTS);
          expect(w.actualState).toBe(NO_STREAM);
        });

        test('exact version succeeds', async () => {
          const STREAM_NAME = name('stream_should_be_at_nextExpectedRevision');
          const { nextExpectedRevision } = await client.appendToStream(STREAM_NAME, jsonTestEvents());
          const result = await client.appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: nextExpectedRevision });
          expect(result.nextExpectedRevision).toBe(nextExpectedRevision + 4n);
        });

        test('exact version fails: no stream', async () => {
          const STREAM_NAME = name('stream_should_be_at_revision_but_doesnt_exist');
          const error = await client.appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: 1n }).then(
            () => 'unreachable',
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(WrongExpectedVersionError);
          const w = error as WrongExpectedVersionError;
          expect(w.streamName).toBe(STREAM_NAME);
          expect(w.expectedState).toBe(1n);
          expect(w.actualState).toBe(NO_STREAM);
        });

        test('exact version fails: wrong version', async () => {
          const STREAM_NAME = name('stream_should_be_at_revision_but_isnt');
          const { nextExpectedRevision } = await client.appendToStream(STREAM_NAME, jsonTestEvents());
          const error = await client
            .appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: nextExpectedRevision + 1n })
            .then(
              () => 'unreachable',
              (e: unknown) => e,
            );
          expect(error).toBeInstanceOf(WrongExpectedVersionError);
          const w = error as WrongExpectedVersionError;
          expect(w.streamName).toBe(STREAM_NAME);
          expect(w.expectedState).toBe(nextExpectedRevision + 1n);
          expect(w.actualState).toBe(nextExpectedRevision);
        });
      });
    });

    describe('throwOnAppendFailure', () => {
      test('returns failure result on false', async () => {
        const nonThrowing = KurrentDBClient.connectionString(`${url}&throwOnAppendFailure=false`);
        try {
          const STREAM_NAME = name('no_throwing__no_stream_here_but_there_is');
          await nonThrowing.appendToStream(STREAM_NAME, jsonTestEvents());
          const result = await nonThrowing.appendToStream(STREAM_NAME, jsonTestEvents(), { streamState: NO_STREAM });
          expect(result.success).toBe(false);
        } finally {
          await nonThrowing.dispose();
        }
      });
    });
  });

  // appendToStream-batch-append.test.ts (the server is 25.1: "Supported (>=21.10)")
  describe('appendToStream - batch append', () => {
    test('uses batch append', async () => {
      const batchSpy = spyOnClient(client, 'GRPCStreamCreator');
      try {
        const result = await client.appendToStream(name('uses_batch_append'), jsonTestEvents());
        expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
        expect(batchSpy).toHaveBeenCalledWith(StreamsClient, 'appendToStream', expect.any(Function), expect.any(WeakMap));
      } finally {
        batchSpy.mockRestore();
      }
    });

    test('uses normal append if credentials are passed', async () => {
      const batchSpy = spyOnClient(client, 'GRPCStreamCreator');
      const executeSpy = spyOnClient(client, 'execute');
      const appendsBefore = simulator.calls.append;
      try {
        const result = await client.appendToStream(name('uses_normal_append_if_creds_are_passed'), jsonTestEvents(), {
          credentials: { username: 'admin', password: 'changeit' },
        });
        expect(result.nextExpectedRevision).toBeGreaterThanOrEqual(0);
        expect(batchSpy).not.toHaveBeenCalled();
        expect(executeSpy).toHaveBeenCalledWith(StreamsClient, 'appendToStream', expect.any(Function));
        expect(simulator.calls.append).toBe(appendsBefore + 1);
      } finally {
        batchSpy.mockRestore();
        executeSpy.mockRestore();
      }
    });

    test('batches events into batches', async () => {
      const STREAM_NAME = name('small_batch_size');
      const result = await client.appendToStream(STREAM_NAME, jsonTestEvents(500), { batchAppendSize: 1024 });
      expect(result.nextExpectedRevision).toBe(499n);
      expect(await collect(client.readStream(STREAM_NAME))).toHaveLength(500);
    });
  });

  // multiAppendStream.test.ts ("Supported (>=25.1)")
  describe('multiAppend', () => {
    test('invalid metadata (binary metadata)', async () => {
      const requests: AppendStreamRequest[] = [
        {
          streamName: name('multi'),
          events: [jsonEvent({ type: 'test', data: { key: 'value' }, metadata: Buffer.from('binary metadata') })],
          expectedState: ANY,
        },
      ];
      await expect(client.multiStreamAppend(requests)).rejects.toThrow(
        'multiStreamAppend requires metadata to be a plain object with string keys and string values.',
      );
    });

    test('invalid metadata (non string values)', async () => {
      const requests: AppendStreamRequest[] = [
        {
          streamName: name('multi'),
          events: [jsonEvent({ type: 'test', data: {}, metadata: { stringKey: 'stringValue', numberKey: 42 } })],
          expectedState: ANY,
        },
      ];
      await expect(client.multiStreamAppend(requests)).rejects.toThrow(
        'multiStreamAppend requires metadata to be a plain object with string keys and string values.',
      );
    });

    test('json events', async () => {
      const STREAM_NAME_1 = name('multi1');
      const STREAM_NAME_2 = name('multi2');
      const expectedMetadata = { name: 'multiAppendTest', empty: '' };
      const result = await client.multiStreamAppend([
        { streamName: STREAM_NAME_1, events: jsonTestEvents(4, 'test', expectedMetadata), expectedState: ANY },
        { streamName: STREAM_NAME_2, events: jsonTestEvents(4, 'test', expectedMetadata), expectedState: ANY },
      ]);
      expect(result.position).toBeGreaterThanOrEqual(0n);
      expect(result.responses).toEqual([
        { streamName: STREAM_NAME_1, revision: 3n },
        { streamName: STREAM_NAME_2, revision: 3n },
      ]);
      const stream1Events = await collect(client.readStream(STREAM_NAME_1));
      const stream2Events = await collect(client.readStream(STREAM_NAME_2));
      expect(stream1Events).toHaveLength(4);
      expect(stream2Events).toHaveLength(4);
      for (const { event } of [...stream1Events, ...stream2Events]) {
        expect(event?.metadata).toEqual(
          expect.objectContaining({ '$schema.format': 'Json', '$schema.name': 'test', name: 'multiAppendTest', empty: '' }),
        );
        expect(event?.type).toBe('test');
      }
    });

    test('stream revision conflict', async () => {
      const STREAM_NAME = name('multi_conflict');
      const error = await client
        .multiStreamAppend([{ streamName: STREAM_NAME, events: jsonTestEvents(), expectedState: STREAM_EXISTS }])
        .then(
          () => 'unreachable',
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      const w = error as WrongExpectedVersionError;
      expect(w.streamName).toBe(STREAM_NAME);
      expect(w.expectedState).toBe(STREAM_EXISTS);
      expect(w.actualState).toBe(NO_STREAM);
    });

    // Not in the official file; what our adapter relies on, checked the same way.
    test('a conflict on one stream writes nothing to any', async () => {
      const ok = name('multi_ok');
      const stale = name('multi_stale');
      await client.appendToStream(stale, jsonTestEvents(2));
      const error = await client
        .multiStreamAppend([
          { streamName: ok, events: jsonTestEvents(1), expectedState: NO_STREAM },
          { streamName: stale, events: jsonTestEvents(1), expectedState: 0n },
        ])
        .then(
          () => 'unreachable',
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).streamName).toBe(stale);
      expect((error as WrongExpectedVersionError).actualState).toBe(1n);
      await expect(collect(client.readStream(ok))).rejects.toBeInstanceOf(StreamNotFoundError);
      expect(await collect(client.readStream(stale))).toHaveLength(2);
    });

    test('the server refuses a stream with no records (no check-only requests)', async () => {
      const written = name('multi_written');
      const checked = name('multi_checked');
      await client.appendToStream(checked, jsonTestEvents(1));
      await expect(
        client.multiStreamAppend([
          { streamName: written, events: jsonTestEvents(1), expectedState: NO_STREAM },
          { streamName: checked, events: [], expectedState: 0n },
        ]),
      ).rejects.toThrow(/at least one record/);
      await expect(collect(client.readStream(written))).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    test('a retry with the same ids and expected states is idempotent', async () => {
      const a = name('multi_retry_a');
      const b = name('multi_retry_b');
      const requests: AppendStreamRequest[] = [
        { streamName: a, events: jsonTestEvents(2), expectedState: NO_STREAM },
        { streamName: b, events: jsonTestEvents(1), expectedState: NO_STREAM },
      ];
      const first = await client.multiStreamAppend(requests);
      const again = await client.multiStreamAppend(requests);
      expect(again.responses).toEqual(first.responses);
      expect(await collect(client.readStream(a))).toHaveLength(2);
      expect(await collect(client.readStream(b))).toHaveLength(1);
    });
  });

  // readStream.test.ts
  describe('readStream', () => {
    const STREAM_NAME = name('read_stream');
    beforeAll(async () => {
      await client.appendToStream(STREAM_NAME, [...jsonTestEvents(4, 'json-test'), ...binaryTestEvents(4, 'binary-test')], {
        streamState: NO_STREAM,
      });
    });

    test('from start', async () => {
      const events: ResolvedEvent[] = await collect(client.readStream(STREAM_NAME));
      expect(events).toHaveLength(8);
      expect(events.map((e) => e.event?.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
      expect(events[0].event?.data).toEqual({ message: 'test', index: 0 });
      expect(Buffer.from(events[4].event!.data as Uint8Array).toString()).toBe('hello: 0');
      expect(events[4].event?.isJson).toBe(false);
    });

    test('from revision', async () => {
      const events = await collect(client.readStream(STREAM_NAME, { fromRevision: 2n }));
      expect(events).toHaveLength(6);
      expect(events[0].event?.revision).toBe(2n);
    });

    test('maxCount', async () => {
      const events = await collect(client.readStream(STREAM_NAME, { maxCount: 2 }));
      expect(events.map((e) => e.event?.revision)).toEqual([0n, 1n]);
    });

    test('backwards from end', async () => {
      const events = await collect(client.readStream(STREAM_NAME, { direction: BACKWARDS, fromRevision: END, maxCount: 3 }));
      expect(events.map((e) => e.event?.revision)).toEqual([7n, 6n, 5n]);
    });

    test('backwards from revision', async () => {
      const events = await collect(client.readStream(STREAM_NAME, { direction: BACKWARDS, fromRevision: 2n }));
      expect(events.map((e) => e.event?.revision)).toEqual([2n, 1n, 0n]);
    });

    test('stream not found', async () => {
      await expect(collect(client.readStream(name('this_stream_does_not_exist')))).rejects.toBeInstanceOf(StreamNotFoundError);
    });
  });

  // readAll.test.ts
  describe('readAll', () => {
    let appendedIds: string[];
    beforeAll(async () => {
      const events = jsonTestEvents(6, 'read-all-test');
      appendedIds = events.map((e) => e.id);
      await client.appendToStream(name('read_all_a'), events.slice(0, 3));
      await client.appendToStream(name('read_all_b'), events.slice(3));
    });

    test('from start', async () => {
      const events = await collect(client.readAll({ fromPosition: START, direction: FORWARDS }));
      const ids = events.map((e) => e.event?.id);
      expect(ids).toEqual(expect.arrayContaining(appendedIds));
      // The log begins with the server's own records.
      expect(events[0].event?.type.startsWith('$')).toBe(true);
      for (let i = 1; i < events.length; i++) expect(events[i].event!.position.commit > events[i - 1].event!.position.commit).toBe(true);
    });

    test('backwards from end', async () => {
      const events = await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 6 }));
      expect(events.map((e) => e.event?.id)).toEqual([...appendedIds].reverse());
    });

    test('from position', async () => {
      const all = await collect(client.readAll({ fromPosition: START, maxCount: 10_000 }));
      const third = all.find((e) => e.event?.id === appendedIds[2])!.event!.position;
      const events = await collect(client.readAll({ fromPosition: third, maxCount: 4 }));
      // A read from a position includes the event at it.
      expect(events.map((e) => e.event?.id)).toEqual(appendedIds.slice(2, 6));
    });

    test('maxCount', async () => {
      const events = await collect(client.readAll({ maxCount: 2 }));
      expect(events).toHaveLength(2);
    });
  });

  // subscribeToAll.test.ts
  describe('subscribeToAll', () => {
    test('from start: catch-up then live, with caughtUp', async () => {
      const before = jsonTestEvents(3, 'sub-before');
      const after = jsonTestEvents(2, 'sub-after');
      const STREAM_NAME = name('subscribe_all');
      await client.appendToStream(STREAM_NAME, before);
      const subscription = client.subscribeToAll({ fromPosition: START });
      const seen: AllStreamResolvedEvent[] = [];
      let caughtUp = false;
      subscription.on('caughtUp', () => (caughtUp = true));
      const done = (async () => {
        for await (const e of subscription) {
          if (e.event?.streamId === STREAM_NAME) seen.push(e);
          if (seen.length === 3 && !caughtUp) continue;
          if (seen.length === 5) break;
        }
      })();
      const deadline = Date.now() + 5_000;
      while (!caughtUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(caughtUp).toBe(true);
      await client.appendToStream(STREAM_NAME, after);
      await done;
      await subscription.unsubscribe();
      expect(seen.map((e) => e.event?.id)).toEqual([...before, ...after].map((e) => e.id));
    });

    test('from end: only live events', async () => {
      const STREAM_NAME = name('subscribe_all_end');
      await client.appendToStream(STREAM_NAME, jsonTestEvents(2, 'old'));
      const subscription = client.subscribeToAll({ fromPosition: END });
      const live = jsonTestEvents(2, 'live');
      const seen: string[] = [];
      const done = (async () => {
        for await (const e of subscription) {
          if (e.event?.streamId === STREAM_NAME) seen.push(e.event.id);
          if (seen.length === 2) break;
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      await client.appendToStream(STREAM_NAME, live);
      await done;
      await subscription.unsubscribe();
      expect(seen).toEqual(live.map((e) => e.id));
    });

    test('from position: exclusive', async () => {
      const STREAM_NAME = name('subscribe_all_position');
      const events = jsonTestEvents(3, 'positioned');
      await client.appendToStream(STREAM_NAME, events);
      const [first] = await collect(client.readStream(STREAM_NAME, { maxCount: 1 }));
      const subscription = client.subscribeToAll({ fromPosition: first.event!.position });
      const seen: string[] = [];
      for await (const e of subscription) {
        if (e.event?.streamId === STREAM_NAME) seen.push(e.event.id);
        if (seen.length === 2) break;
      }
      await subscription.unsubscribe();
      expect(seen).toEqual(events.slice(1).map((e) => e.id));
    });
  });
});
