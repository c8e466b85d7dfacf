import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { parseStreamName } from '@yuantrace/domain';
import { validateAppend, validateMultiStreamAppend, type EventTexts } from '../validate-append';
import { PgCodes, sqlState, type Db, type SqlExecutor } from '../db/db';
import type { CopyThread } from '../db/copy-thread';
import { copyRows, copySql } from '../db/insert-many';
import { loadMigrations, migrate } from '../db/migrate';
import { matchesExpected, WrongExpectedRevisionError } from '../errors';
import {
  EventStore,
  START,
  comparePositions,
  type AppendResult,
  type EventMetadata,
  type ExpectedRevision,
  type GlobalPosition,
  type LogWindowRelation,
  type MultiStreamAppendResult,
  type NewEvent,
  type StreamAppend,
  type ReadAllOptions,
  type ReadWindow,
  type ReadWindowOptions,
  type RecordedEvent,
  type StoreKind,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port';
import { PollingSubscription } from '../polling-subscription';

const NOTIFY_CHANNEL = 'yuantrace_events';
const NOTIFY = `select pg_notify('${NOTIFY_CHANNEL}', '')`;
/** Rows whose transaction is older than every running one: safe to hand to a reader. */
const VISIBLE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
// The text form of the xid8 gets its own name: an alias named transaction_id would capture
// ORDER BY transaction_id and sort positions as text ('994' after '1227').
/**
 * An event's columns: with data and metadata as PostgreSQL writes them out (`jsonText`,
 * ReadWindowOptions.jsonText), and the metadata only of the types whose parameter is `types`
 * (ReadWindowOptions.metadataTypes).
 */
const columnsOf = (jsonText?: boolean, types?: string) => {
  const [data, metadata] = jsonText ? ['data::text', 'metadata::text'] : ['data', 'metadata'];
  return `global_position, transaction_id::text as commit_text, stream_id, stream_revision, event_id::text as event_id, event_type,
  ${data} as data, ${types ? `case when event_type = any(${types}) then ${metadata} end` : metadata} as metadata, recorded_at`;
};
const COLUMNS = columnsOf();
/** The same, with data and metadata as PostgreSQL writes them out (ReadWindowOptions.jsonText). */
const TEXT_COLUMNS = columnsOf(true);
/** The columns a bulk load writes; the rest are the table's defaults. */
const BATCH_COLUMNS = ['stream_id', 'stream_revision', 'event_id', 'event_type', 'data', 'metadata'];

/** One event of a bulk load's batch: its stream, its revision there, and its texts as validateAppend made them. */
export type BatchRow = { stream: string; revision: bigint; event: NewEvent; texts: EventTexts };
/** A batch row as the values of BATCH_COLUMNS, in order. */
const batchFields = ({ stream, revision, event, texts }: BatchRow): string[] => [stream, revision.toString(), event.id, event.type, texts.data, texts.metadata];
/** Writes a bulk load's batches, each in one transaction, in the order given (PostgresEventStore.openBatchWriter). */
export type BatchWriter = { readonly by: 'copy-thread' | 'insert'; write(rows: ReadonlyArray<BatchRow>): Promise<void>; close(): Promise<void> };

/** PostgreSQL accepts at most 65535 parameters in one statement. */
const ROWS_PER_INSERT = 5000;

/**
 * The event store on PostgreSQL: the same code on a server (`pg`) and on embedded PGlite.
 * Global order follows DESIGN.md §4: (xid8, sequence) pairs, read below the snapshot's xmin.
 */
export class PostgresEventStore extends EventStore {
  readonly kind: StoreKind;
  private readonly appended = new EventEmitter();

  private constructor(readonly db: Db) {
    super();
    this.kind = db.kind;
    this.appended.setMaxListeners(0);
  }

  static async create(db: Db): Promise<PostgresEventStore> {
    await migrate(db, 'event-store', loadMigrations(join(__dirname, 'migrations')));
    return new PostgresEventStore(db);
  }

  /** One stream: the single case of appendToStreams, with the same one-statement path and retry detection. */
  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    validateAppend(stream, events);
    const r = await this.appendToStreams([{ stream, events, expectedRevision: options.expectedRevision ?? 'any' }]);
    return { nextExpectedRevision: r.streams[0].nextExpectedRevision!, position: r.position };
  }

  /**
   * Several streams, atomically (DESIGN.md §3): one statement checks every stream's revision
   * and inserts every event only if all match, so the usual case is one round trip. Streams
   * that are written are also guarded by the unique (stream, revision) key, so a concurrent
   * writer that passed the same check fails on commit order instead of both landing. A
   * checked-only stream is read in the statement's snapshot: the decision is then ordered
   * before any later write to that stream, which is a valid serial order because no write to
   * it depends on this append.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    validateMultiStreamAppend(appends);
    const exact = appends.every((a) => a.expectedRevision === 'no_stream' || typeof a.expectedRevision === 'bigint');
    const total = appends.reduce((n, a) => n + a.events.length, 0);
    try {
      if (exact && total <= ROWS_PER_INSERT) {
        const fast = await this.appendManyInOneStatement(appends, total);
        if (fast) {
          this.appended.emit('append');
          return fast;
        }
      }
      const result = await this.db.transaction((tx) => this.appendManyInTransaction(tx, appends));
      this.appended.emit('append');
      return result;
    } catch (e) {
      if (sqlState(e) === PgCodes.uniqueViolation) {
        const original = await this.findOriginalMany(this.db, appends);
        if (original) return original;
        throw await this.firstMismatch(this.db, appends, true);
      }
      throw e;
    }
  }

  private async appendManyInOneStatement(appends: readonly StreamAppend[], total: number): Promise<MultiStreamAppendResult | undefined> {
    const params: unknown[] = [];
    const checks: string[] = [];
    const rows: string[] = [];
    for (const a of appends) {
      const expected = a.expectedRevision as 'no_stream' | bigint;
      params.push(a.stream, expected === 'no_stream' ? null : expected.toString());
      const s = params.length - 1;
      checks.push(`((select max(stream_revision) from events where stream_id = $${s}) is not distinct from $${s + 1}::bigint)`);
      const first = expected === 'no_stream' ? 0n : expected + 1n;
      a.events.forEach((e, i) => {
        params.push((first + BigInt(i)).toString(), e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
        const n = params.length;
        rows.push(`($${s}::text, $${n - 4}::bigint, $${n - 3}::uuid, $${n - 2}::text, $${n - 1}::jsonb, $${n}::jsonb)`);
      });
    }
    const notify = this.db.kind === 'postgres' ? `, (select pg_notify('${NOTIFY_CHANNEL}', '') from ins limit 1) as notified` : '';
    const r = await this.db.query<{ n: unknown; last_position: unknown; commit_text: string | null }>(
      `with ins as (
         insert into events (stream_id, stream_revision, event_id, event_type, data, metadata)
         select v.stream, v.rev, v.id, v.type, v.data, v.meta from (values ${rows.join(', ')}) as v(stream, rev, id, type, data, meta)
         where ${checks.join(' and ')}
         returning global_position, transaction_id::text as commit_text)
       select (select count(*) from ins) as n, (select max(global_position) from ins) as last_position,
              (select max(commit_text) from ins) as commit_text${notify}`,
      params,
    );
    const row = r.rows[0];
    if (Number(row.n) !== total) return undefined;
    return {
      streams: appends.map((a) => ({ stream: a.stream, nextExpectedRevision: afterAppend(a.expectedRevision as 'no_stream' | bigint, a.events.length) })),
      position: { commit: BigInt(row.commit_text!), prepare: BigInt(row.last_position as string) },
    };
  }

  private async appendManyInTransaction(tx: SqlExecutor, appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    const original = await this.findOriginalMany(tx, appends);
    if (original) return original;
    const mismatch = await this.firstMismatch(tx, appends, false);
    if (mismatch) throw mismatch;
    const streams: Array<{ stream: string; nextExpectedRevision: bigint | undefined }> = [];
    let position: GlobalPosition | undefined;
    for (const a of appends) {
      if (a.events.length === 0) {
        const current = await this.currentRevision(tx, a.stream);
        streams.push({ stream: a.stream, nextExpectedRevision: current ?? undefined });
        continue;
      }
      const r = await this.appendInTransaction(tx, a.stream, a.events, a.expectedRevision);
      streams.push({ stream: a.stream, nextExpectedRevision: r.nextExpectedRevision });
      position = r.position;
    }
    return { streams, position: position! };
  }

  /** The first stream not at its expected revision, as the error to throw; undefined when all match. */
  private async firstMismatch(q: SqlExecutor, appends: readonly StreamAppend[], orConflict: true): Promise<WrongExpectedRevisionError>;
  private async firstMismatch(q: SqlExecutor, appends: readonly StreamAppend[], orConflict: false): Promise<WrongExpectedRevisionError | undefined>;
  private async firstMismatch(q: SqlExecutor, appends: readonly StreamAppend[], orConflict: boolean): Promise<WrongExpectedRevisionError | undefined> {
    for (const a of appends) {
      const current = await this.currentRevision(q, a.stream);
      if (!matchesExpected(a.expectedRevision, current)) return new WrongExpectedRevisionError(a.stream, a.expectedRevision, current ?? 'no_stream');
    }
    // Every stream matches now, yet the insert collided: a writer committed and the check saw it move meanwhile.
    const written = appends.find((a) => a.events.length > 0)!;
    return orConflict ? new WrongExpectedRevisionError(written.stream, written.expectedRevision, (await this.currentRevision(q, written.stream)) ?? 'no_stream') : undefined;
  }

  /** A retry of an append that already landed whole: every written stream holds its events where this append put them. */
  private async findOriginalMany(q: SqlExecutor, appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult | undefined> {
    const written = appends.filter((a) => a.events.length > 0);
    const found = await Promise.all(written.map(async (a) => ({ a, original: await this.findOriginal(q, a.stream, a.events) })));
    if (found.every((f) => f.original === undefined)) return undefined;
    if (found.some((f) => f.original === undefined)) {
      const missing = found.find((f) => f.original === undefined)!.a;
      throw new WrongExpectedRevisionError(missing.stream, missing.expectedRevision, (await this.currentRevision(q, missing.stream)) ?? 'no_stream');
    }
    // The same ids under another expected revision are another command, not a retry.
    for (const { a, original } of found) {
      const expectedLast = afterAppend(a.expectedRevision as 'no_stream' | bigint, a.events.length);
      if (typeof a.expectedRevision !== 'string' || a.expectedRevision === 'no_stream') {
        if (original!.nextExpectedRevision !== expectedLast) {
          throw new WrongExpectedRevisionError(a.stream, a.expectedRevision, (await this.currentRevision(q, a.stream)) ?? 'no_stream');
        }
      }
    }
    const byStream = new Map(found.map((f) => [f.a.stream, f.original!]));
    let position = found[0].original!.position;
    for (const f of found) if (comparePositions(f.original!.position, position) > 0) position = f.original!.position;
    return {
      streams: appends.map((a) => ({ stream: a.stream, nextExpectedRevision: byStream.get(a.stream)?.nextExpectedRevision ?? (typeof a.expectedRevision === 'bigint' ? a.expectedRevision : undefined) })),
      position,
    };
  }

  private async appendInTransaction(
    tx: SqlExecutor,
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const original = await this.findOriginal(tx, stream, events);
    if (original) return original;
    const current = await this.currentRevision(tx, stream);
    if (!matchesExpected(expected, current)) throw new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream');

    let revision = current ?? -1n;
    let last: { global_position: unknown; transaction_id: string } | undefined;
    for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
      const chunk = events.slice(i, i + ROWS_PER_INSERT);
      const params: unknown[] = [stream];
      const values = chunk.map((e) => {
        revision += 1n;
        params.push(revision.toString(), e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
        const n = params.length;
        return `($1, $${n - 4}::bigint, $${n - 3}::uuid, $${n - 2}, $${n - 1}::jsonb, $${n}::jsonb)`;
      });
      const r = await tx.query<{ global_position: unknown; transaction_id: string }>(
        `insert into events (stream_id, stream_revision, event_id, event_type, data, metadata)
         values ${values.join(', ')} returning global_position, transaction_id::text as transaction_id`,
        params,
      );
      last = r.rows[r.rows.length - 1];
    }
    if (this.db.kind === 'postgres') await tx.query(NOTIFY);
    return {
      nextExpectedRevision: revision,
      position: { commit: BigInt(last!.transaction_id), prepare: BigInt(last!.global_position as string) },
    };
  }

  /**
   * How a bulk loader writes its batches (appendBatch's rows): on a
   * server by a CopyThread, so that building and sending the COPY text leaves the loader's thread;
   * on PGlite by appendBatch. The caller closes it.
   */
  openBatchWriter(): BatchWriter {
    if (!this.db.copyThread) return { by: 'insert', write: (rows) => this.appendBatch(rows), close: async () => undefined };
    // Started at the first write: a loader that writes nothing holds no thread and no connection.
    let thread: CopyThread | undefined;
    return {
      by: 'copy-thread',
      write: async (rows) => {
        if (rows.length === 0) return;
        thread ??= this.db.copyThread!();
        await thread.write(copySql('events', BATCH_COLUMNS), BATCH_COLUMNS.length, rows.flatMap(batchFields), NOTIFY);
        this.appended.emit('append');
      },
      close: async () => {
        await thread?.close();
        thread = undefined;
      },
    };
  }

  /**
   * Writes many streams' events in one transaction, revisions already assigned (a bulk load's
   * flush). Unique constraints still refuse anything that collides with another writer: the
   * whole batch is then rolled back.
   */
  async appendBatch(rows: ReadonlyArray<BatchRow>): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (tx) => {
      if (tx.copyFrom) {
        // On a server the rows go by COPY: PostgreSQL spent 34 µs of CPU per event taking them as
        // multi-row inserts (parsing and planning tens of thousands of parameters) and 14.5 by COPY,
        // on the core the loader's own thread shares with it.
        await copyRows(tx, 'events', BATCH_COLUMNS, rows.map(batchFields));
      } else {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          const params: unknown[] = [];
          const values = rows.slice(i, i + ROWS_PER_INSERT).map((row) => {
            params.push(...batchFields(row));
            const n = params.length;
            return `($${n - 5}, $${n - 4}::bigint, $${n - 3}::uuid, $${n - 2}, $${n - 1}::jsonb, $${n}::jsonb)`;
          });
          await tx.query(`insert into events (stream_id, stream_revision, event_id, event_type, data, metadata) values ${values.join(', ')}`, params);
        }
      }
      if (this.db.kind === 'postgres') await tx.query(NOTIFY);
    });
    this.appended.emit('append');
  }

  /** Every stream's last revision, for a bulk loader that will be the only writer. */
  async streamRevisions(): Promise<Map<string, bigint>> {
    const r = await this.db.query<{ stream_id: string; rev: unknown }>('select stream_id, max(stream_revision) as rev from events group by stream_id');
    return new Map(r.rows.map((x) => [x.stream_id, BigInt(x.rev as string)]));
  }

  private async currentRevision(q: SqlExecutor, stream: string): Promise<bigint | null> {
    const r = await q.query<{ rev: unknown }>('select max(stream_revision) as rev from events where stream_id = $1', [stream]);
    return r.rows[0]?.rev == null ? null : BigInt(r.rows[0].rev as string);
  }

  /**
   * Idempotent retry: if these event ids are already stored, consecutively at the end of a
   * run in this stream, answer as the first append did. Ids stored elsewhere are a conflict.
   */
  private async findOriginal(q: SqlExecutor, stream: string, events: readonly NewEvent[]): Promise<AppendResult | undefined> {
    const ids = events.map((e) => e.id);
    const r = await q.query<{ stream_id: string; stream_revision: unknown; event_id: string; global_position: unknown; transaction_id: string }>(
      `select stream_id, stream_revision, event_id::text as event_id, global_position, transaction_id::text as transaction_id
       from events where event_id = any($1::uuid[]) order by stream_revision`,
      [ids],
    );
    if (r.rows.length === 0) return undefined;
    const consistent =
      r.rows.length === ids.length &&
      r.rows.every((row, i) => row.stream_id === stream && row.event_id === ids[i] &&
        BigInt(row.stream_revision as string) === BigInt(r.rows[0].stream_revision as string) + BigInt(i));
    if (!consistent) {
      throw new WrongExpectedRevisionError(stream, 'any', (await this.currentRevision(q, stream)) ?? 'no_stream');
    }
    const lastRow = r.rows[r.rows.length - 1];
    return {
      nextExpectedRevision: BigInt(lastRow.stream_revision as string),
      position: { commit: BigInt(lastRow.transaction_id), prepare: BigInt(lastRow.global_position as string) },
    };
  }

  async readStream(stream: string, options: { fromRevision?: bigint; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    parseStreamName(stream);
    const r = await this.db.query<Row>(
      `select ${COLUMNS} from events where stream_id = $1 and stream_revision >= $2 order by stream_revision limit $3`,
      [stream, (options.fromRevision ?? 0n).toString(), options.maxCount ?? 1_000_000],
    );
    return r.rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.rowsAfter(COLUMNS, options)).map(toRecorded);
  }

  /** The rows readAll reads, with the columns asked for. */
  private async rowsAfter(columns: string, options: ReadAllOptions): Promise<Row[]> {
    const after = options.after ?? START;
    const params: unknown[] = [after.commit.toString(), after.prepare.toString(), options.maxCount ?? 1000];
    let filter = '';
    if (options.categories?.length) {
      params.push(options.categories.map((c) => `${c}-%`));
      filter = `and stream_id like any($4::text[])`;
    }
    const r = await this.db.query<Row>(
      `select ${columns} from events
       where (transaction_id, global_position) > ($1::text::xid8, $2::bigint) and ${VISIBLE} ${filter}
       order by events.transaction_id, events.global_position limit $3`,
      params,
    );
    return r.rows;
  }

  /**
   * The window's bounds from the global-order index alone (no row's data read), then only its
   * events of the types asked for. Every row up to a bound read below the snapshot's xmin is
   * committed, so the second statement sees the same window the first measured.
   */
  override async readWindow(options: ReadWindowOptions): Promise<ReadWindow> {
    const after = options.after ?? START;
    if (!options.types) {
      if (!options.jsonText) return super.readWindow(options);
      const events = (await this.rowsAfter(TEXT_COLUMNS, { after, maxCount: options.span })).map(toTextBacked);
      return { events, to: events.at(-1)?.position, spanned: events.length };
    }
    const bound = await this.db.query<{ n: unknown; commit_text: string | null; global_position: unknown }>(
      `with w as materialized (
         select transaction_id, global_position from events
         where (transaction_id, global_position) > ($1::text::xid8, $2::bigint) and ${VISIBLE}
         order by transaction_id, global_position limit $3)
       select (select count(*) from w) as n, l.transaction_id::text as commit_text, l.global_position
       from (select 1) one left join (select * from w order by transaction_id desc, global_position desc limit 1) l on true`,
      [after.commit.toString(), after.prepare.toString(), options.span],
    );
    const b = bound.rows[0];
    if (!b || b.commit_text === null) return { events: [], to: undefined, spanned: 0 };
    const to = { commit: BigInt(b.commit_text), prepare: BigInt(b.global_position as string) };
    const metadataTypes = options.metadataTypes && [...options.metadataTypes];
    const r = await this.db.query<Row>(
      `select ${columnsOf(options.jsonText, metadataTypes && '$6::text[]')} from events
       where (transaction_id, global_position) > ($1::text::xid8, $2::bigint) and (transaction_id, global_position) <= ($3::text::xid8, $4::bigint)
         -- The same bounds on the commit alone, which the planner can estimate: for the two row comparisons it
         -- guessed a third of the log and scanned all of it (1.8 s a window at county scale, against 1 ms).
         and transaction_id between $1::text::xid8 and $3::text::xid8
         and event_type = any($5::text[])
       order by events.transaction_id, events.global_position`,
      [after.commit.toString(), after.prepare.toString(), to.commit.toString(), to.prepare.toString(), [...options.types], ...(metadataTypes ? [metadataTypes] : [])],
    );
    return { events: r.rows.map(options.jsonText ? toTextBacked : toRecorded), to, spanned: Number(b.n) };
  }

  /**
   * After a bulk load (its writer the only one): what autovacuum would do in its own time, now. The
   * visibility map lets a window's bounds be read from the index alone (at county scale 9.1 ms a
   * window with a heap visit per event, 1.8 ms without), and the planner gets the table's
   * statistics, which it otherwise lacks until autovacuum's analyze. Returns the milliseconds spent.
   */
  async settleAfterBulkLoad(): Promise<number> {
    const started = performance.now();
    await this.db.exec('vacuum (analyze) events');
    return performance.now() - started;
  }

  /**
   * On the very Db this store writes to: the window's events as a select over the events table,
   * named with its schema (a checked identifier), so a statement run with another search_path
   * still reads the log. Its bounds lie below every running transaction (a window's end is a
   * position readers saw), so the relation is the window.
   */
  override windowIn(db: unknown, after: GlobalPosition, to: GlobalPosition): LogWindowRelation | undefined {
    if (db !== this.db) return undefined;
    return {
      sql: `select transaction_id::text::bigint as commit_position, global_position as prepare_position, event_id, stream_id, stream_revision as revision,
          event_type as type, data, metadata, recorded_at
        from ${this.db.schema}.events
        where (transaction_id, global_position) > ($1::text::xid8, $2::bigint) and (transaction_id, global_position) <= ($3::text::xid8, $4::bigint)
          and transaction_id between $1::text::xid8 and $3::text::xid8`,
      params: [after.commit.toString(), after.prepare.toString(), to.commit.toString(), to.prepare.toString()],
    };
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    return new PollingSubscription(this, handler, options, (wake) => this.onAppend(wake));
  }

  /** Wakes a subscriber on our own appends and, on a server, on other processes' NOTIFY. */
  private onAppend(wake: () => void): () => Promise<void> {
    this.appended.on('append', wake);
    let unlisten: (() => Promise<void>) | undefined;
    let stopped = false;
    if (this.db.kind === 'postgres') {
      this.db
        .listen(NOTIFY_CHANNEL, wake)
        .then((u) => {
          if (stopped) void u();
          else unlisten = u;
        })
        .catch(() => undefined); // polling still delivers without notifications
    }
    return async () => {
      stopped = true;
      this.appended.off('append', wake);
      await unlisten?.();
    };
  }

  async lastPosition(): Promise<GlobalPosition | undefined> {
    const r = await this.db.query<{ commit_text: string; global_position: unknown }>(
      `select transaction_id::text as commit_text, global_position from events where ${VISIBLE}
       order by events.transaction_id desc, events.global_position desc limit 1`,
    );
    const row = r.rows[0];
    return row ? { commit: BigInt(row.commit_text), prepare: BigInt(row.global_position as string) } : undefined;
  }

  override async headPosition(): Promise<GlobalPosition | undefined> {
    const r = await this.db.query<{ commit_text: string; global_position: unknown }>(
      `select transaction_id::text as commit_text, global_position from events order by events.transaction_id desc, events.global_position desc limit 1`,
    );
    const row = r.rows[0];
    return row ? { commit: BigInt(row.commit_text), prepare: BigInt(row.global_position as string) } : undefined;
  }

  async countAfter(position: GlobalPosition): Promise<bigint> {
    const r = await this.db.query<{ n: unknown }>(
      `select count(*) as n from events where (transaction_id, global_position) > ($1::text::xid8, $2::bigint) and ${VISIBLE}`,
      [position.commit.toString(), position.prepare.toString()],
    );
    return BigInt(r.rows[0].n as string);
  }

  async close(): Promise<void> {
    this.appended.removeAllListeners();
  }
}

const afterAppend = (expected: 'no_stream' | bigint, count: number): bigint | undefined =>
  count === 0 ? (expected === 'no_stream' ? undefined : expected) : (expected === 'no_stream' ? -1n : expected) + BigInt(count);


type Row = {
  global_position: unknown;
  commit_text: string;
  stream_id: string;
  stream_revision: unknown;
  event_id: string;
  event_type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_at: Date | string;
};

/**
 * An event read with data and metadata as JSON texts: each is parsed when first read (by
 * JSON.parse, as the drivers parse jsonb), never if only the texts are used.
 */
class TextBackedEvent implements RecordedEvent {
  private parsedData?: Record<string, unknown>;
  private parsedMetadata?: EventMetadata;

  constructor(
    readonly id: string,
    readonly streamId: string,
    readonly revision: bigint,
    readonly type: string,
    readonly position: GlobalPosition,
    readonly recordedAt: Date,
    readonly jsonText: { readonly data: string; readonly metadata: string },
  ) {}

  get data(): Record<string, unknown> {
    return (this.parsedData ??= JSON.parse(this.jsonText.data));
  }

  get metadata(): EventMetadata {
    return (this.parsedMetadata ??= JSON.parse(this.jsonText.metadata));
  }
}

const toTextBacked = (row: Row): RecordedEvent =>
  new TextBackedEvent(row.event_id, row.stream_id, BigInt(row.stream_revision as string), row.event_type, positionOf(row), recordedAtOf(row),
    { data: row.data as unknown as string, metadata: (row.metadata as unknown as string | null) ?? '{}' });

const positionOf = (row: Row): GlobalPosition => ({ commit: BigInt(row.commit_text), prepare: BigInt(row.global_position as string) });
const recordedAtOf = (row: Row): Date => (row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at));

const toRecorded = (row: Row): RecordedEvent => ({
  id: row.event_id,
  streamId: row.stream_id,
  revision: BigInt(row.stream_revision as string),
  type: row.event_type,
  data: row.data,
  // Null where the read asked for other types' metadata only (ReadWindowOptions.metadataTypes).
  metadata: row.metadata ?? {},
  position: positionOf(row),
  recordedAt: recordedAtOf(row),
});
