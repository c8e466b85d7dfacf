import { WrongExpectedRevisionError, matchesExpected } from '../errors';
import {
  EventStore,
  type AppendResult,
  type ExpectedRevision,
  type GlobalPosition,
  type MultiStreamAppendResult,
  type StreamAppend,
  type NewEvent,
  type ReadAllOptions,
  type ReadWindow,
  type ReadWindowOptions,
  type RecordedEvent,
  type StoreKind,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port';
import { validateAppend, validateMultiStreamAppend, type EventTexts } from '../validate-append';
import type { BatchWriter, PostgresEventStore } from './postgres-event-store';

type Pending = { stream: string; revision: bigint; event: NewEvent; texts: EventTexts; recordedAt: Date };

/**
 * A write-behind event store for bulk loads, where the loader is the only writer. Appends are
 * checked against expected revisions in memory and buffered; reads of a stream's newer events
 * come from the buffer; flush() writes the buffer in one transaction (by COPY from a thread of its own on a server, multi-row inserts on PGlite). The
 * deciders still decide every command; only the round trips per event go away.
 *
 * An appended event is written as its JSON text made when it was appended (and checked): an event
 * must not be changed once appended, as on any store.
 *
 * Not for concurrent use: a second writer meanwhile makes flush() fail on the unique
 * constraints, and nothing of that batch is written (the load then resumes from its last
 * recorded progress).
 */
export class BulkLoadEventStore extends EventStore {
  readonly kind: StoreKind;
  private readonly revisions: Map<string, bigint>;
  private pending: Pending[] = [];
  private pendingByStream = new Map<string, Pending[]>();

  private readonly writer: BatchWriter;

  private constructor(private readonly inner: PostgresEventStore, revisions: Map<string, bigint>) {
    super();
    this.kind = inner.kind;
    this.revisions = revisions;
    this.writer = inner.openBatchWriter();
  }

  static async over(inner: PostgresEventStore): Promise<BulkLoadEventStore> {
    return new BulkLoadEventStore(inner, await inner.streamRevisions());
  }

  /** How flushes reach the database: on a server by a COPY thread, on PGlite by multi-row inserts. */
  get writtenBy(): BatchWriter['by'] {
    return this.writer.by;
  }

  get buffered(): number {
    return this.pending.length;
  }

  async appendToStream(stream: string, events: readonly NewEvent[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const texts = validateAppend(stream, events);
    const current = this.revisions.get(stream) ?? null;
    const expected = options.expectedRevision ?? 'any';
    if (!matchesExpected(expected, current)) throw new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream');
    return { nextExpectedRevision: this.buffer(stream, events, texts, current), position: { commit: 0n, prepare: 0n } };
  }

  /** Buffers events already checked (with the texts made checking them), after the stream's current revision; returns the new one. */
  private buffer(stream: string, events: readonly NewEvent[], texts: readonly EventTexts[], current: bigint | null): bigint {
    let revision = current ?? -1n;
    const list = this.pendingByStream.get(stream) ?? [];
    const now = new Date();
    for (let i = 0; i < events.length; i++) {
      revision += 1n;
      const p = { stream, revision, event: events[i], texts: texts[i], recordedAt: now };
      this.pending.push(p);
      list.push(p);
    }
    this.pendingByStream.set(stream, list);
    this.revisions.set(stream, revision);
    return revision;
  }

  /** Checks every stream first, then buffers: all of it or none, as on the server. */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    const texts = validateMultiStreamAppend(appends);
    for (const a of appends) {
      const current = this.revisions.get(a.stream) ?? null;
      if (!matchesExpected(a.expectedRevision, current)) throw new WrongExpectedRevisionError(a.stream, a.expectedRevision, current ?? 'no_stream');
    }
    // Checked and validated above: buffered without checking each event again (the loader's hot path).
    const streams = [];
    for (const [k, a] of appends.entries()) {
      if (a.events.length > 0) this.buffer(a.stream, a.events, texts[k], this.revisions.get(a.stream) ?? null);
      streams.push({ stream: a.stream, nextExpectedRevision: this.revisions.get(a.stream) });
    }
    // Positions are assigned at flush; callers of a bulk load do not use them.
    return { streams, position: { commit: 0n, prepare: 0n } };
  }

  async readStream(stream: string, options: { fromRevision?: bigint; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision ?? 0n;
    // The usual question, from a cached state: anything after revision N? We know every stream's
    // last revision, so the answer needs no round trip when there is nothing newer.
    const last = this.revisions.get(stream);
    if (last === undefined || from > last) return [];
    // Events being written (a flush in flight) count as buffered until their transaction is done.
    const all = [...(this.inFlightByStream.get(stream) ?? []), ...(this.pendingByStream.get(stream) ?? [])];
    const buffered = all.filter((p) => p.revision >= from);
    const firstBuffered = all[0]?.revision;
    const stored = firstBuffered !== undefined && from >= firstBuffered ? [] : await this.inner.readStream(stream, { fromRevision: from });
    const fromBuffer = buffered.map((p): RecordedEvent => ({
      id: p.event.id, streamId: stream, revision: p.revision, type: p.event.type, data: p.event.data, metadata: p.event.metadata,
      position: { commit: 0n, prepare: 0n }, recordedAt: p.recordedAt,
    }));
    return [...stored.filter((e) => firstBuffered === undefined || e.revision < firstBuffered), ...fromBuffer];
  }

  /** Writes everything buffered, in append order, in one transaction, and waits for it (and any write in flight). */
  async flush(): Promise<number> {
    const n = await this.flushInBackground();
    await this.inFlight;
    return n;
  }

  /**
   * Starts writing what is buffered and returns once the write before it has finished: the loader
   * decides the next commands while the database takes this batch (it would otherwise sit idle
   * waiting for the database most of the time). A failed write is thrown here or by the next
   * flush, before anything after it is written.
   */
  async flushInBackground(): Promise<number> {
    await this.inFlight;
    const rows = this.pending;
    if (rows.length === 0) return 0;
    this.pending = [];
    this.inFlightByStream = this.pendingByStream;
    this.pendingByStream = new Map();
    const write = this.writer.write(rows).then(() => {
      this.inFlightByStream = new Map();
    });
    // Awaited by the next flush; a rejection is not left unhandled meanwhile.
    write.catch(() => undefined);
    this.inFlight = write;
    return rows.length;
  }

  private inFlight: Promise<void> = Promise.resolve();
  private inFlightByStream = new Map<string, Pending[]>();

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }
  override readWindow(options: ReadWindowOptions): Promise<ReadWindow> {
    return this.inner.readWindow(options);
  }
  subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(handler, options);
  }
  lastPosition(): Promise<GlobalPosition | undefined> {
    return this.inner.lastPosition();
  }
  override headPosition(): Promise<GlobalPosition | undefined> {
    return this.inner.headPosition();
  }
  countAfter(position: GlobalPosition): Promise<bigint> {
    return this.inner.countAfter(position);
  }
  /** Writes what is buffered, then lets the writer go (on a server, its thread and connection). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.writer.close();
    }
  }
}
