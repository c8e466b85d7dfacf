import type { Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  excludeSystemEvents,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamRequest,
  type AppendStreamState,
  type EventData,
  type Filter,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { parseStreamName } from '@yuantrace/domain';
import { EventStoreUnavailableError, InvalidEventError, matchesExpected, WrongExpectedRevisionError } from '../errors';
import {
  comparePositions,
  EventStore,
  type AppendResult,
  type EventMetadata,
  type ExpectedRevision,
  type GlobalPosition,
  type MultiStreamAppendResult,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type StoreKind,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port';
import { validateAppend, validateMultiStreamAppend } from '../validate-append';

/**
 * The server refuses an append whose events add up to more than MaxAppendSize (1 MiB by default).
 * We stay at half of it, leaving room for per-event overhead and a server configured lower.
 */
const APPEND_CHUNK_BYTES = 512 * 1024;
/** Rough per-event framing (id, metadata map, protobuf tags) added to data + metadata. */
const EVENT_OVERHEAD_BYTES = 200;
const READ_PAGE = 1000;

/**
 * How our metadata travels through the v2 AppendSession. Its records carry metadata as a flat map
 * of string properties (the client refuses anything else), and a KurrentDB 25.1+ server stores
 * them as the record's properties and gives them back on every read as a JSON object, with
 * `$schema.name` and `$schema.format` added. Our metadata nests (`actor`) and may hold numbers, so
 * it goes whole, as its JSON text, in this one property; reads parse it back, so a record written
 * by appendToStreams reads exactly as one written by appendToStream (whose metadata is the JSON
 * object itself) and the server's `$schema.*` additions never reach the port. One property rather
 * than one per key: no value is ever ambiguous between a string and encoded JSON.
 */
export const METADATA_PROPERTY = 'yuantrace.metadata';

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The event store on KurrentDB / EventStoreDB 20+ through `@kurrent/kurrentdb-client` 1.x
 * (appends and subscriptions go over the client's grpc-js channel, reads through its Rust bridge).
 * DESIGN.md §4: explicit stream state on every append, bigint revisions and positions,
 * subscriptions that resubscribe by themselves, appends split under the 1 MiB limit.
 */
export class KurrentDbEventStore extends EventStore {
  readonly kind: StoreKind = 'kurrentdb';
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  private closed = false;

  private constructor(private readonly client: KurrentDBClient) {
    super();
  }

  /** Connects and proves the server answers (a one-event read of $all), or throws EventStoreUnavailableError. */
  static async connect(connectionString: string): Promise<KurrentDbEventStore> {
    let client: KurrentDBClient;
    try {
      client = KurrentDBClient.connectionString(connectionString);
    } catch (e) {
      throw new EventStoreUnavailableError(`KurrentDB: invalid connection string: ${(e as Error).message}`, e);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const probe = (async () => {
        for await (const _ of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      });
      await Promise.race([probe, timeout]);
    } catch (e) {
      await client.dispose().catch(() => undefined);
      throw new EventStoreUnavailableError(
        `KurrentDB at ${redact(connectionString)} is unreachable: ${(e as Error)?.message ?? String(e)}`,
        e,
      );
    } finally {
      clearTimeout(timer);
    }
    return new KurrentDbEventStore(client);
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    validateAppend(stream, events);
    const expected = options.expectedRevision ?? 'any';

    // The server's idempotency is per stream: ids already written to another stream are not
    // refused there. Our ids derive from (command, stream, index), so two streams never share
    // one; the contract states this difference as a capability instead of papering over it.

    const data = events.map(toEventData);
    // A chunked append is NOT atomic: if a later chunk fails, the earlier chunks stay written.
    // Our callers append a handful of small events per command, so in practice this is one
    // request; the split only keeps an unusual large append (an import) under the server limit.
    // A retry of a chunked append is still idempotent: chunk by chunk, the same ids at the same
    // expected revisions are recognised by the server.
    let state: AppendStreamState = toStreamState(expected);
    let result: AppendResult | undefined;
    for (const chunk of chunkBySize(data)) {
      try {
        const r = await this.client.appendToStream(stream, chunk, { streamState: state });
        const position = r.position ?? (await this.positionOf(stream, r.nextExpectedRevision));
        result = { nextExpectedRevision: r.nextExpectedRevision, position };
        state = r.nextExpectedRevision;
      } catch (e) {
        throw translate(e, stream, expected);
      }
    }
    return result!;
  }

  /**
   * One AppendSession (the client's multiStreamAppend, KurrentDB 25.1+): the server checks every
   * stream's expected revision and writes every record in one transaction, or nothing. Never
   * split: the whole append must stay under the server's MaxAppendSize (1 MiB by default).
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    validateMultiStreamAppend(appends);
    // A KurrentDB server cannot check a stream inside the session without writing to it: every
    // server with the v2 AppendSession (25.1 up to 26.x) refuses an AppendRequest with no
    // records ("Stream append request must contain at least one record"); checks on unwritten
    // streams came with 26.1's AppendRecords. So a checked-only stream is read just before the
    // session. That gives the guarantee the PostgreSQL statement gives (it too reads a checked
    // stream in its snapshot, without a lock): the decision is ordered before any later write to
    // that stream, which is a valid serial order because no write to a checked stream depends on
    // what this append writes (a household's status change reads only the household).
    const checkOnly = appends.filter((a) => a.events.length === 0);
    const checked = await Promise.all(checkOnly.map(async (a) => ({ a, current: await this.currentRevision(a.stream) })));
    for (const { a, current } of checked) {
      if (!matchesExpected(a.expectedRevision, current)) throw new WrongExpectedRevisionError(a.stream, a.expectedRevision, current ?? 'no_stream');
    }
    const written = appends.filter((a) => a.events.length > 0);
    await Promise.all(written.map((a) => this.refuseReappendAfterItself(a)));

    const requests: AppendStreamRequest[] = written.map((a) => ({
      streamName: a.stream,
      // Always explicit: the v2 protocol would take a missing expected revision for "any".
      expectedState: toStreamState(a.expectedRevision),
      events: a.events.map(toV2EventData),
    }));
    let revisions: Map<string, bigint>;
    try {
      const r = await this.client.multiStreamAppend(requests);
      revisions = new Map(r.responses.map((x) => [x.streamName, x.revision]));
    } catch (e) {
      throw translateMultiStream(e, written);
    }
    const current = new Map(checked.map(({ a, current }) => [a.stream, current ?? undefined]));
    const streams = appends.map((a) => {
      if (a.events.length === 0) return { stream: a.stream, nextExpectedRevision: current.get(a.stream) };
      const revision = revisions.get(a.stream);
      if (revision === undefined) throw new EventStoreUnavailableError(`KurrentDB: no revision for ${a.stream} in the append answer`);
      return { stream: a.stream, nextExpectedRevision: revision };
    });
    // The session answers one log position, not the (commit, prepare) pair our positions are;
    // the last record written is the last one of the last stream (records keep request order).
    const lastWritten = written[written.length - 1].stream;
    const position = await this.positionOf(lastWritten, revisions.get(lastWritten)!);
    return { streams, position };
  }

  /** A stream's last revision, or null when it does not exist. */
  private async currentRevision(stream: string): Promise<bigint | null> {
    try {
      for await (const e of this.client.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 })) {
        if (e.event) return e.event.revision;
      }
      return null;
    } catch (e) {
      if (isStreamNotFound(e)) return null;
      throw e;
    }
  }

  /**
   * KurrentDB's idempotency only looks at ids stored AFTER the expected revision: ids already at
   * or below it are not checked, and an append of events the stream already ends with, at an
   * expected revision equal to its current one, would be written a second time. That is what a
   * command re-run after its first append succeeded does (it reads the stream, now holding its
   * own events, and decides again with the same deterministic ids): a conflict, never a write.
   * PostgreSQL refuses it through its unique event ids; here we read the events up to the
   * expected revision (as many as we append) and refuse if one of ours is among them.
   */
  private async refuseReappendAfterItself(a: StreamAppend): Promise<void> {
    const expected = a.expectedRevision;
    if (typeof expected !== 'bigint' || expected < 0n || a.events.length === 0) return;
    const n = BigInt(a.events.length);
    const from = expected - n + 1n > 0n ? expected - n + 1n : 0n;
    const stored = await this.readStream(a.stream, { fromRevision: from, maxCount: Number(expected - from + 1n) });
    const ids = new Set(a.events.map((e) => e.id));
    const clash = stored.find((e) => e.revision <= expected && ids.has(e.id));
    if (clash) throw new WrongExpectedRevisionError(a.stream, expected, stored[stored.length - 1].revision);
  }

  async readStream(stream: string, options: { fromRevision?: bigint; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    parseStreamName(stream);
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        fromRevision: options.fromRevision ?? START,
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
        direction: FORWARDS,
      });
      for await (const resolved of read) {
        const e = this.toRecorded(resolved);
        if (e) out.push(e);
      }
    } catch (e) {
      if (isStreamNotFound(e)) return [];
      throw translate(e, stream);
    }
    return out;
  }

  /**
   * Reads $all forwards from `after` (exclusive). The server's read from a position includes
   * the event at it, and we filter client-side too (system events in user streams), so we page
   * until we have maxCount events or reach the end.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? READ_PAGE;
    const out: RecordedEvent[] = [];
    let cursor: GlobalPosition | undefined = options.after;
    while (out.length < maxCount) {
      const want = maxCount - out.length + 1;
      let got = 0;
      let last: GlobalPosition | undefined;
      try {
        const read = this.client.readAll({
          fromPosition: cursor ? toClientPosition(cursor) : START,
          maxCount: want,
          direction: FORWARDS,
          filter: serverFilter(options.categories),
        });
        for await (const resolved of read) {
          got++;
          const position = resolved.event?.position;
          if (!position) continue;
          last = position;
          if (cursor && comparePositions(position, cursor) <= 0) continue;
          const e = this.toRecorded(resolved);
          if (e && matchesCategories(e.streamId, options.categories) && out.length < maxCount) out.push(e);
        }
      } catch (e) {
        throw translate(e);
      }
      if (got < want || !last || (cursor && comparePositions(last, cursor) <= 0)) break;
      cursor = last;
    }
    return out;
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    const sub = new KurrentDbSubscription(this.client, handler, options, (r) => this.toRecorded(r));
    this.subscriptions.add(sub);
    void sub.done.then(
      () => this.subscriptions.delete(sub),
      () => this.subscriptions.delete(sub),
    );
    return sub;
  }

  /** The last user event's position: $all backwards, skipping system events. */
  async lastPosition(): Promise<GlobalPosition | undefined> {
    let from: ReadPosition = END;
    for (;;) {
      let got = 0;
      try {
        const read = this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: 100, filter: serverFilter(undefined) });
        for await (const resolved of read) {
          got++;
          const e = resolved.event;
          if (!e?.position) continue;
          if (!isSystemEvent(e.type)) return { commit: e.position.commit, prepare: e.position.prepare };
          from = e.position;
        }
      } catch (e) {
        throw translate(e);
      }
      if (got < 100) return undefined;
    }
  }

  /**
   * Counts by reading forwards: O(events behind). Fine for tests and /health at our scale
   * (a projection's lag is small); KurrentDB has no cheap "count after position".
   */
  async countAfter(position: GlobalPosition): Promise<bigint> {
    let n = 0n;
    let after: GlobalPosition | undefined = position;
    for (;;) {
      const page = await this.readAll({ after, maxCount: READ_PAGE });
      n += BigInt(page.length);
      if (page.length < READ_PAGE) return n;
      after = page[page.length - 1].position;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Stop our subscriptions first, or they would take the disposal for a drop and resubscribe.
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  /** Older servers answer an idempotent append without a position; read it from the event. */
  private async positionOf(stream: string, revision: bigint): Promise<GlobalPosition> {
    for await (const r of this.client.readStream(stream, { fromRevision: revision, maxCount: 1 })) {
      if (r.event?.position) return { commit: r.event.position.commit, prepare: r.event.position.prepare };
    }
    throw new EventStoreUnavailableError(`KurrentDB: no position for ${stream}@${revision} after an append`);
  }

  private toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
    const e = resolved.event;
    if (!e || isSystemEvent(e.type) || e.streamId.startsWith('$')) return undefined;
    if (!e.position) throw new EventStoreUnavailableError(`KurrentDB: event ${e.id} arrived without a position`);
    const metadata = decodeMetadata(asObject(e.metadata));
    return {
      id: e.id,
      streamId: e.streamId,
      revision: e.revision,
      type: e.type,
      data: asObject(e.data),
      metadata,
      position: { commit: e.position.commit, prepare: e.position.prepare },
      recordedAt: recordedAtOf(e.created, metadata),
    };
  }
}

/**
 * The event's `recordedAt`, the same Date whichever path delivered it, so that a projection fed
 * by a subscription and a rebuild fed by readAll/readStream store identical values.
 *
 * The server sends `created` as .NET ticks (100 ns) since the Unix epoch, identically on reads
 * and subscriptions, but the client converts it on two different paths:
 * - subscriptions (grpc-js, convertGrpcEvent): ticks / 10_000 -> whole milliseconds;
 * - readAll/readStream (Rust bridge, `kurrentdb` crate's RecordedEvent conversion): ticks /
 *   10_000_000 -> whole SECONDS (the sub-second part is dropped before it reaches JS), and the
 *   bridge hands JS only the custom metadata, not the raw `created` entry.
 * The sub-second part is therefore unrecoverable on the read path, so we truncate both paths to
 * whole seconds: floor(floor(ticks / 1e4) / 1e3) = floor(ticks / 1e7), so both give exactly the
 * Rust value. recordedAt is informational (ordering is by position), so seconds are enough.
 */
function recordedAtOf(created: Date, metadata: unknown): Date {
  // Our own events carry the api's recordedAt (milliseconds) in their metadata, identical on every
  // path: prefer it, so knownAt reads keep sub-second precision on KurrentDB too. The server's
  // `created`, truncated to the second the read path can see, is the fallback for anything else.
  const own = (metadata as { recordedAt?: unknown } | undefined)?.recordedAt;
  if (typeof own === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(own)) return new Date(own);
  return new Date(Math.floor(created.getTime() / 1000) * 1000);
}

/**
 * A catch-up subscription to $all that survives drops. KurrentDB catch-up subscriptions end on
 * any error and do not resubscribe, so on an error or an unexpected end we subscribe again from
 * the last position we handed to the handler (exclusive), after a short growing backoff.
 * Events are pulled from the client's stream in batches and the handler is awaited before the
 * next pull: while the handler works the stream stays paused and gRPC flow control holds the
 * server back.
 */
class KurrentDbSubscription implements Subscription {
  readonly done: Promise<void>;
  private running = true;
  private position: GlobalPosition | undefined;
  private current: ReturnType<KurrentDBClient['subscribeToAll']> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly client: KurrentDBClient,
    private readonly handler: SubscriptionHandler,
    private readonly options: SubscribeOptions,
    private readonly toRecorded: (r: AllStreamResolvedEvent) => RecordedEvent | undefined,
  ) {
    this.position = options.after;
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    let backoffMs = 50;
    while (this.running) {
      const sub = this.client.subscribeToAll({
        fromPosition: this.position ? toClientPosition(this.position) : START,
        filter: serverFilter(this.options.categories),
      });
      this.current = sub;
      // The client emits a drop as an 'error' event without destroying the stream, possibly
      // while the handler runs: listen from the start so it is never an unhandled 'error'.
      const state: StreamState = { failure: undefined };
      sub.on('error', (err: unknown) => {
        state.failure ??= err ?? new Error('subscription dropped');
        this.wake();
      });
      try {
        for (;;) {
          const batch = await this.nextBatch(sub, state, this.options.maxCount ?? 500);
          if (!batch) break;
          const events: RecordedEvent[] = [];
          let last: GlobalPosition | undefined;
          for (const r of batch) {
            const p = r.event?.position;
            if (!p) continue;
            // Resubscribing is exclusive of the position, but never hand an event twice.
            if (this.position && comparePositions(p, this.position) <= 0) continue;
            last = { commit: p.commit, prepare: p.prepare };
            const e = this.toRecorded(r);
            if (e && matchesCategories(e.streamId, this.options.categories)) events.push(e);
          }
          if (events.length > 0) await this.handlerCall(events);
          if (last) this.position = last;
          backoffMs = 50;
        }
      } catch (e) {
        if (e instanceof HandlerFailed) {
          await this.unsubscribe(sub);
          throw e.cause;
        }
        // Anything else (dropped by the server, network, a server restart) is handled below.
      } finally {
        await this.unsubscribe(sub);
      }
      if (!this.running) break;
      // Dropped or ended by the server: resubscribe from the last delivered position.
      await this.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 5_000);
    }
  }

  private async handlerCall(events: RecordedEvent[]): Promise<void> {
    try {
      await this.handler(events);
    } catch (e) {
      throw new HandlerFailed(e);
    }
  }

  /** Waits for at least one event, then takes what is already buffered, up to max. */
  private async nextBatch(stream: Readable, state: StreamState, max: number): Promise<AllStreamResolvedEvent[] | undefined> {
    for (;;) {
      if (!this.running) return undefined;
      const batch: AllStreamResolvedEvent[] = [];
      let item: AllStreamResolvedEvent | null;
      while (batch.length < max && (item = stream.read() as AllStreamResolvedEvent | null) !== null) batch.push(item);
      // Deliver what arrived before a drop; the resubscription starts after it.
      if (batch.length > 0) return batch;
      if (state.failure !== undefined) throw state.failure;
      if (stream.readableEnded || stream.destroyed) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('readable', done);
          stream.off('end', done);
          stream.off('close', done);
          this.wakeUp = undefined;
          resolve();
        };
        stream.on('readable', done);
        stream.on('end', done);
        stream.on('close', done);
        this.wakeUp = done;
      });
    }
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async unsubscribe(sub: ReturnType<KurrentDBClient['subscribeToAll']>): Promise<void> {
    if (this.current !== sub) return;
    this.current = undefined;
    await sub.unsubscribe().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.done.catch(() => undefined);
  }
}

type StreamState = { failure: unknown };

class HandlerFailed {
  constructor(readonly cause: unknown) {}
}

const isSystemEvent = (type: string) => type.startsWith('$');

const matchesCategories = (streamId: string, categories: readonly string[] | undefined) =>
  !categories?.length || categories.some((c) => streamId.startsWith(`${c}-`));

/** Let the server skip what we would drop anyway; we still filter client-side. */
const serverFilter = (categories: readonly string[] | undefined): Filter =>
  categories?.length ? streamNameFilter({ prefixes: categories.map((c) => `${c}-`) }) : excludeSystemEvents();

const toClientPosition = (p: GlobalPosition): Position => ({ commit: p.commit, prepare: p.prepare });

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function toEventData(e: NewEvent): EventData {
  return { id: e.id, contentType: 'application/json', type: e.type, data: e.data, metadata: e.metadata };
}

/** For the v2 AppendSession: the metadata as one string property (METADATA_PROPERTY). */
function toV2EventData(e: NewEvent): EventData {
  return { id: e.id, contentType: 'application/json', type: e.type, data: e.data, metadata: { [METADATA_PROPERTY]: JSON.stringify(e.metadata) } };
}

/** Metadata as appendToStream wrote it, whichever API appended the record. */
function decodeMetadata(raw: Record<string, unknown>): EventMetadata {
  const encoded = raw[METADATA_PROPERTY];
  if (typeof encoded !== 'string') return raw;
  try {
    return asObject(JSON.parse(encoded));
  } catch {
    return raw;
  }
}

const eventBytes = (e: EventData) =>
  EVENT_OVERHEAD_BYTES + Buffer.byteLength(e.type) + Buffer.byteLength(JSON.stringify(e.data)) + Buffer.byteLength(JSON.stringify(e.metadata ?? {}));

/** Consecutive chunks of at most APPEND_CHUNK_BYTES (an event larger than that goes alone). */
function chunkBySize(events: EventData[]): EventData[][] {
  const chunks: EventData[][] = [];
  let chunk: EventData[] = [];
  let size = 0;
  for (const e of events) {
    const bytes = eventBytes(e);
    if (chunk.length > 0 && size + bytes > APPEND_CHUNK_BYTES) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(e);
    size += bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? (value as Record<string, unknown>)
    : {};
}

const errorType = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'type' in e && typeof (e as { type: unknown }).type === 'string' ? (e as { type: string }).type : undefined;

const isStreamNotFound = (e: unknown) => errorType(e) === 'stream-not-found';

/** The client's errors as the port's. */
function translate(e: unknown, stream?: string, expected?: ExpectedRevision): unknown {
  const message = e instanceof Error ? e.message : String(e);
  switch (errorType(e)) {
    case 'wrong-expected-version': {
      const actual = (e as { actualState?: bigint | 'no_stream' }).actualState;
      return new WrongExpectedRevisionError(stream ?? '?', expected ?? 'any', typeof actual === 'bigint' ? actual : 'no_stream');
    }
    case 'maximum-append-size-exceeded':
      return new InvalidEventError(`an event of ${stream ?? 'the append'} is larger than KurrentDB accepts in one append: ${message}`);
    case 'unavailable':
    case 'deadline-exceeded':
    case 'timeout':
    case 'cancelled':
    case 'not-leader':
      return new EventStoreUnavailableError(`KurrentDB unavailable: ${message}`, e);
    default:
      return e;
  }
}

/** The client's errors from a multi-stream append, naming the stream that failed. */
function translateMultiStream(e: unknown, appends: readonly StreamAppend[]): unknown {
  const type = errorType(e);
  if (type === 'wrong-expected-version') {
    const w = e as { streamName?: string; actualState?: bigint | 'no_stream' };
    const failed = appends.find((a) => a.stream === w.streamName) ?? appends[0];
    return new WrongExpectedRevisionError(failed.stream, failed.expectedRevision, typeof w.actualState === 'bigint' ? w.actualState : 'no_stream');
  }
  if (type === 'transaction-max-size-exceeded' || type === 'append-record-size-exceeded') {
    const message = e instanceof Error ? e.message : String(e);
    return new InvalidEventError(`an atomic append over several streams is larger than KurrentDB accepts in one transaction: ${message}`);
  }
  if (type === 'unsupported') {
    return new EventStoreUnavailableError('KurrentDB: appends over several streams need a 25.1 or later server (AppendSession)', e);
  }
  return translate(e);
}

function redact(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}
