/**
 * The event-store port. It is an abstract class so it can double as the NestJS DI token.
 * Adapters: postgres/ (a pg server or embedded PGlite, same code) and kurrentdb/.
 */

/**
 * A place in the global order. Both backends have a pair: PostgreSQL (transaction id, sequence),
 * KurrentDB (commit, prepare). Ordered by commit, then prepare.
 */
export type GlobalPosition = { readonly commit: bigint; readonly prepare: bigint };

export const START: GlobalPosition = Object.freeze({ commit: 0n, prepare: 0n });

export const comparePositions = (a: GlobalPosition, b: GlobalPosition): number =>
  a.commit === b.commit ? (a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1) : a.commit < b.commit ? -1 : 1;

/** Text form used for checkpoints in URLs and JSON: "<commit>.<prepare>". */
export const formatPosition = (p: GlobalPosition): string => `${p.commit}.${p.prepare}`;

export function parsePosition(text: string): GlobalPosition | undefined {
  const m = /^([0-9]{1,20})\.([0-9]{1,20})$/.exec(text);
  return m ? { commit: BigInt(m[1]), prepare: BigInt(m[2]) } : undefined;
}

/** no_stream: the stream must not exist; stream_exists: it must; any: no check; bigint: exact revision. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export type EventMetadata = Record<string, unknown>;

export type NewEvent = {
  /** A UUID; deterministic ids make retried appends idempotent. */
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
};

export type RecordedEvent = {
  readonly id: string;
  readonly streamId: string;
  /** 0-based position within its stream. */
  readonly revision: bigint;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
  readonly position: GlobalPosition;
  readonly recordedAt: Date;
  /**
   * data and metadata as the store's JSON texts, when the reader asked for them
   * (ReadWindowOptions.jsonText) and the store holds its events as JSON text. Each parses to the
   * same value as data (metadata), though not necessarily written the same way.
   */
  readonly jsonText?: { readonly data: string; readonly metadata: string };
};

export type AppendResult = {
  /** Revision of the last event now in the stream. */
  readonly nextExpectedRevision: bigint;
  readonly position: GlobalPosition;
};

/** One stream's part in an atomic append over several streams. */
export type StreamAppend = {
  readonly stream: string;
  /**
   * May be empty: the stream is then only checked against its expected revision, not written (a
   * stream whose state a decision read but does not change, e.g. the payee household).
   */
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
};

export type MultiStreamAppendResult = {
  /** Per stream, in the order given: its revision after the append (a checked-only stream's current one; undefined if it does not exist). */
  readonly streams: ReadonlyArray<{ readonly stream: string; readonly nextExpectedRevision: bigint | undefined }>;
  /** The position of the last event written. */
  readonly position: GlobalPosition;
};

export type ReadAllOptions = {
  /** Exclusive: events strictly after this position. */
  after?: GlobalPosition;
  maxCount?: number;
  /** Only streams of these categories. Filtering never makes a reader skip a position. */
  categories?: readonly string[];
};

export type ReadWindowOptions = {
  /** Exclusive: the window starts strictly after this position. */
  after?: GlobalPosition;
  /** How many positions (events of any type) the window spans at most. */
  span: number;
  /** Only events of these types are returned; the window still spans every type. */
  types?: readonly string[];
  /**
   * Give each event's jsonText too, where the store can (PostgreSQL and PGlite; not KurrentDB):
   * data and metadata are then parsed only when first read, so a reader that works from the
   * texts (the sealer) never pays for parsing them.
   */
  jsonText?: boolean;
  /**
   * Only these types' events need their metadata (absent: every event's). A store may then give
   * the others empty metadata ({}), and PostgreSQL and PGlite do: on the county a pass's reads
   * spent about a third of their work writing out and parsing metadata no projection of the lane
   * looked at. KurrentDB and the default give every event's.
   */
  metadataTypes?: readonly string[];
};

export type ReadWindow = {
  /** The window's events of the types asked for, in global order. */
  events: RecordedEvent[];
  /** The window's last position (undefined: nothing after `after` yet). */
  to: GlobalPosition | undefined;
  /** How many positions the window spans (fewer than `span` at the end of the log). */
  spanned: number;
};

export type SubscriptionHandler = (events: RecordedEvent[]) => Promise<void>;

export interface Subscription {
  /** Resolves when the subscription has stopped; rejects if the handler failed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
  /** Cuts a paced wait short (paceMs): someone is waiting for this subscriber to catch up. */
  hurry?(): void;
}

export type SubscribeOptions = ReadAllOptions & {
  /** Wait between polls when caught up (adapters may be woken sooner by a notification). */
  idleMs?: number;
  /**
   * Once woken by an append, wait this long before reading (adapters that poll): appends that
   * arrive close together are then handled as one batch, so a subscriber that pays per batch (a
   * projection's transaction, the embedded store's one connection) does not pay per command.
   */
  gatherMs?: number;
  /**
   * After a batch that did not fill maxCount, wait this long before reading again, whatever is
   * appended meanwhile (adapters that poll): a subscriber whose work is not read by anyone at once
   * (the sealer) then costs writers one transaction per pace rather than one per few commands.
   * hurry() cuts the wait short.
   */
  paceMs?: number;
};

export type StoreKind = 'embedded' | 'postgres' | 'kurrentdb';

/**
 * A window of the log as a relation of the database a projection writes to (EventStore.windowIn):
 * a select whose parameters are `params` ($1…), with the columns commit_position and
 * prepare_position (bigint), event_id (uuid), stream_id (text), revision (bigint), type (text),
 * data and metadata (jsonb) and recorded_at (timestamptz), in no particular order (a statement
 * that needs the global order sorts by the positions; most need it only for what they write).
 */
export type LogWindowRelation = { readonly sql: string; readonly params: readonly unknown[] };

export abstract class EventStore {
  abstract readonly kind: StoreKind;

  /** All the events or none; with an expected revision checked atomically. */
  abstract appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;

  /**
   * All of it or none: every stream is checked against its expected revision and every event is
   * written in one atomic step (one transaction on PostgreSQL, multiStreamAppend on KurrentDB).
   * If any stream is not at its expected revision nothing is written and WrongExpectedRevisionError
   * names that stream. Appending again the very events already stored (same ids, same streams)
   * answers as the first append did. At least one event in all; a stream appears at most once.
   */
  abstract appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult>;

  /** The stream's events in revision order; [] for a stream that does not exist. */
  abstract readStream(stream: string, options?: { fromRevision?: bigint; maxCount?: number }): Promise<RecordedEvent[]>;

  /** Events in global order after a position, never skipping one that commits later below it. */
  abstract readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * The next `span` positions of the global order after `after` (a window) and, of the events in
   * it, those of `types` (all when absent). The window's end is returned even when no event in it
   * is of those types, so a reader that wants a few types (a projection catching up) moves its
   * checkpoint over everything it passed, without the store sending or this process decoding the
   * events it would drop. This default reads the window and drops them here; adapters that can
   * filter where the events are stored do so there.
   */
  async readWindow(options: ReadWindowOptions): Promise<ReadWindow> {
    const all = await this.readAll({ after: options.after, maxCount: options.span });
    const types = options.types ? new Set(options.types) : undefined;
    return { events: types ? all.filter((e) => types.has(e.type)) : all, to: all.at(-1)?.position, spanned: all.length };
  }

  /**
   * The window (after, to] of the log as a relation that statements on `db` can read, if the log
   * lies in that very database (undefined otherwise: another database, KurrentDB). A projection
   * can then fill its tables from it where the events are, without them being read out.
   */
  windowIn(_db: unknown, _after: GlobalPosition, _to: GlobalPosition): LogWindowRelation | undefined {
    return undefined;
  }

  /** Catch-up subscription: delivers batches in global order from a position, then live. */
  abstract subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;

  /** The last position a reader can see now, or undefined on an empty store. */
  abstract lastPosition(): Promise<GlobalPosition | undefined>;

  /**
   * The last committed position, which readers may not see yet (on PostgreSQL an older
   * transaction still running anywhere in the database holds visibility back). Waiting for
   * projections to reach it waits for everything written so far.
   */
  headPosition(): Promise<GlobalPosition | undefined> {
    return this.lastPosition();
  }

  /** How many events lie after a position (for a projection's lag). */
  abstract countAfter(position: GlobalPosition): Promise<bigint>;

  abstract close(): Promise<void>;
}

/**
 * The whole log in global order, a batch at a time (a sealer, an export, a check that walks every
 * event without holding them all).
 */
export async function* readAllInBatches(store: EventStore, batchSize = 5000): AsyncGenerator<RecordedEvent[]> {
  let after: GlobalPosition | undefined;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: batchSize });
    if (batch.length === 0) return;
    yield batch;
    after = batch[batch.length - 1].position;
  }
}

/**
 * Resolves once readers see every event committed so far. On PostgreSQL a transaction still
 * running anywhere in the database (in another schema too) holds back what readers may see: a
 * count or a catch-up taken meanwhile stops short of the last events written (a load of the tiny
 * county beside the test suite counted 8,496 of its 11,516 events so).
 */
export async function untilVisibleToHead(store: Pick<EventStore, 'headPosition' | 'lastPosition'>, timeoutMs = 60_000): Promise<void> {
  const head = await store.headPosition();
  if (!head) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await store.lastPosition();
    if (seen && comparePositions(seen, head) >= 0) return;
    if (Date.now() > deadline) {
      throw new Error(`events written up to ${formatPosition(head)} were still not visible after ${timeoutMs} ms: a transaction in the database is holding them back`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
