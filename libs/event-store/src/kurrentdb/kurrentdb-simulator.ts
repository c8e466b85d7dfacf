import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { StreamsService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb';
import { Empty, StreamIdentifier, UUID } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb';

/**
 * KurrentDbProtocolSimulator: an in-process gRPC server that speaks the KurrentDB / EventStoreDB
 * v1 `event_store.client.streams.Streams` protocol, so that the REAL `@kurrent/kurrentdb-client`
 * (its grpc-js appends and subscriptions, and its Rust bridge for reads) can be tested on machines
 * where no KurrentDB server can run. It is a simulator, not KurrentDB: one node, in memory, no
 * auth, no TLS, no projections, no deletes.
 *
 * The client package ships no .proto files, only the protoc-generated JavaScript stubs; the
 * service is built from those generated service definitions (`StreamsService`, which carries the
 * method paths and the protobuf (de)serialisers), so every byte on the wire is the client's own
 * protocol.
 *
 * Implemented: Streams.Append (expected-state checks and idempotency following the server's
 * CommitCheck rules, the 1 MiB max append size), Streams.Read (stream reads forwards/backwards,
 * `$all` reads forwards/backwards with stream-name / event-type filters, catch-up + live
 * subscriptions to `$all` with confirmation, caught-up and checkpoint messages).
 * Not registered, so grpc-js answers UNIMPLEMENTED, as servers before 21.10 did:
 * ServerFeatures.GetSupportedMethods (the client then assumes an old server and appends with
 * Streams.Append instead of BatchAppend), Gossip (only used for cluster discovery), and
 * everything else. Subscriptions to a single stream answer UNIMPLEMENTED too.
 */

/** KurrentDB's default `MaxAppendSize`. */
export const SIMULATOR_MAX_APPEND_SIZE = 1024 * 1024;

// Expected-version sentinels as the server numbers them internally.
const ANY = -2n;
const NO_STREAM = -1n;
const STREAM_EXISTS = -4n;

const TICKS_PER_MS = 10_000n;

type StoredEvent = {
  readonly stream: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server puts in the `created` metadata. */
  readonly created: bigint;
  /** Log position of the record: commit = prepare in the simulator. */
  readonly position: bigint;
};

type Proposed = { id: string; type: string; contentType: string; data: Uint8Array; customMetadata: Uint8Array };

type CommitDecision =
  | { kind: 'ok' }
  | { kind: 'idempotent'; last: StoredEvent }
  | { kind: 'wrong_expected_version'; current: bigint };

type EventFilter = (e: StoredEvent) => boolean;

class SimulatedSubscription {
  private closed = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly sim: KurrentDbProtocolSimulator,
    readonly call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    private cursor: number,
    private readonly filter: EventFilter | undefined,
    private readonly structuredIds: boolean,
  ) {
    call.on('cancelled', () => this.close());
    call.on('close', () => this.close());
  }

  /** Catch-up from the cursor, then live: one cursor over the log serves both phases. */
  async pump(): Promise<void> {
    const confirmation = new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID());
    if (!(await this.write(new ReadResp().setConfirmation(confirmation)))) return;
    let caughtUp = false;
    while (!this.closed) {
      const log = this.sim.log;
      let scanned: StoredEvent | undefined;
      while (this.cursor < log.length && !this.closed) {
        const e = log[this.cursor++];
        scanned = e;
        if (this.filter && !this.filter(e)) continue;
        if (!(await this.write(this.sim.readResp(e, this.structuredIds)))) return;
      }
      if (this.closed) return;
      if (!caughtUp) {
        caughtUp = true;
        const at = this.cursor > 0 ? log[this.cursor - 1].position : 0n;
        const msg = new ReadResp.CaughtUp()
          .setTimestamp(Timestamp.fromDate(new Date()))
          .setPosition(new ReadResp.Position().setCommitPosition(String(at)).setPreparePosition(String(at)));
        if (!(await this.write(new ReadResp().setCaughtUp(msg)))) return;
      }
      if (this.filter && scanned) {
        // A filtered subscription tells the client how far it has searched even when nothing
        // matched, so a checkpointing client need not rescan (the server does this per window).
        const cp = new ReadResp.Checkpoint()
          .setCommitPosition(String(scanned.position))
          .setPreparePosition(String(scanned.position))
          .setTimestamp(Timestamp.fromDate(new Date()));
        if (!(await this.write(new ReadResp().setCheckpoint(cp)))) return;
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        if (this.cursor < this.sim.log.length || this.closed) resolve();
      });
      this.wakeUp = undefined;
    }
  }

  /** Honours HTTP/2 flow control: a slow client slows its subscription down. */
  private async write(msg: ReadResp): Promise<boolean> {
    if (this.closed) return false;
    if (this.call.write(msg)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.call.off('drain', done);
        this.call.off('close', done);
        resolve();
      };
      this.call.on('drain', done);
      this.call.on('close', done);
      this.wakeUp = done;
    });
    return !this.closed;
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sim.subscriptions.delete(this);
    this.wake();
  }

  /** Ends the call as a server going away would. */
  drop(details: string): void {
    this.close();
    this.call.emit('error', { code: grpc.status.UNAVAILABLE, details } satisfies Partial<grpc.StatusObject>);
  }
}

export class KurrentDbProtocolSimulator {
  /** The transaction log, in position order (what `$all` reads). */
  readonly log: StoredEvent[] = [];
  readonly subscriptions = new Set<SimulatedSubscription>();
  private readonly streams = new Map<string, StoredEvent[]>();
  /** The server's committed-event-id cache, used for idempotency checks with any/stream_exists. */
  private readonly byId = new Map<string, StoredEvent>();
  private nextPosition = 0n;
  private server: grpc.Server | undefined;

  constructor(private readonly maxAppendSize = SIMULATOR_MAX_APPEND_SIZE) {
    // A fresh server's log starts with system events; readers of $all must skip them.
    this.commit('$settings', [systemEvent('$settings', { $userStreamAcl: {} })]);
    this.commit('$stats-127.0.0.1:2113', [systemEvent('$statsCollected', { 'proc-id': 1 })]);
  }

  async start(): Promise<{ url: string }> {
    const server = new grpc.Server();
    server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
        this.append(call, callback),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return { url: `kurrentdb://127.0.0.1:${port}?tls=false` };
  }

  async stop(): Promise<void> {
    for (const s of [...this.subscriptions]) s.close();
    const server = this.server;
    this.server = undefined;
    server?.forceShutdown();
  }

  /** Test hook: end every live subscription call with UNAVAILABLE, as a server restart would. */
  dropSubscriptions(): number {
    const subs = [...this.subscriptions];
    for (const s of subs) s.drop('simulator: subscription dropped (test hook)');
    return subs.length;
  }

  /** Test hook: the next records are written beyond 2^53 in the log. */
  jumpPositionsBeyondSafeInteger(): void {
    const target = 2n ** 53n + 1000n;
    if (this.nextPosition < target) this.nextPosition = target;
  }

  // ---- Streams.Append ------------------------------------------------------------------

  private append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
    let stream: string | undefined;
    let expected: bigint | undefined;
    const proposed: Proposed[] = [];
    let size = 0;
    let answered = false;
    const answer = (err: Partial<grpc.StatusObject> | null, resp?: AppendResp) => {
      if (answered) return;
      answered = true;
      callback(err, resp);
    };
    call.on('data', (req: AppendReq) => {
      if (answered) return;
      if (req.hasOptions()) {
        const o = req.getOptions()!;
        stream = streamName(o.getStreamIdentifier());
        switch (o.getExpectedStreamRevisionCase()) {
          case AppendReq.Options.ExpectedStreamRevisionCase.REVISION:
            expected = BigInt(o.getRevision());
            break;
          case AppendReq.Options.ExpectedStreamRevisionCase.NO_STREAM:
            expected = NO_STREAM;
            break;
          case AppendReq.Options.ExpectedStreamRevisionCase.STREAM_EXISTS:
            expected = STREAM_EXISTS;
            break;
          default:
            expected = ANY;
        }
        return;
      }
      const m = req.getProposedMessage();
      if (!m || stream === undefined) return answer(invalidArgument('append: options must come first'));
      const meta = m.getMetadataMap();
      const type = meta.get('type');
      const contentType = meta.get('content-type');
      if (!type || !contentType) return answer(requiredMetadataMissing());
      const data = m.getData_asU8();
      const customMetadata = m.getCustomMetadata_asU8();
      // The server counts each event's payload as it arrives and fails the call on crossing the limit.
      size += data.length + customMetadata.length + Buffer.byteLength(type);
      if (size > this.maxAppendSize) return answer(maxAppendSizeExceeded(this.maxAppendSize));
      proposed.push({ id: uuidText(m.getId()), type, contentType, data, customMetadata });
    });
    call.on('error', () => answer({ code: grpc.status.CANCELLED, details: 'append cancelled' }));
    call.on('end', () => {
      if (answered) return;
      if (stream === undefined || expected === undefined) return answer(invalidArgument('append: no options'));
      answer(null, this.commitChecked(stream, expected, proposed));
    });
  }

  /** Check, then write or answer: synchronous, so one append is atomic against every other. */
  private commitChecked(stream: string, expected: bigint, events: Proposed[]): AppendResp {
    const decision = this.checkCommit(stream, expected, events.map((e) => e.id));
    const resp = new AppendResp();
    if (decision.kind === 'wrong_expected_version') {
      const w = new AppendResp.WrongExpectedVersion();
      if (decision.current < 0n) w.setCurrentNoStream(new Empty());
      else w.setCurrentRevision(String(decision.current));
      if (expected === ANY) w.setExpectedAny(new Empty());
      else if (expected === NO_STREAM) w.setExpectedNoStream(new Empty());
      else if (expected === STREAM_EXISTS) w.setExpectedStreamExists(new Empty());
      else w.setExpectedRevision(String(expected));
      return resp.setWrongExpectedVersion(w);
    }
    const success = new AppendResp.Success();
    const last = decision.kind === 'idempotent' ? decision.last : events.length > 0 ? this.commit(stream, events) : undefined;
    if (!last) {
      // An empty append writes nothing and reports the stream as it is.
      const current = this.currentVersion(stream);
      if (current < 0n) success.setNoStream(new Empty());
      else success.setCurrentRevision(String(current));
      return resp.setSuccess(success.setNoPosition(new Empty()));
    }
    success.setCurrentRevision(String(last.revision));
    success.setPosition(new AppendResp.Position().setCommitPosition(String(last.position)).setPreparePosition(String(last.position)));
    return resp.setSuccess(success);
  }

  private currentVersion(stream: string): bigint {
    const events = this.streams.get(stream);
    return events?.length ? events[events.length - 1].revision : NO_STREAM;
  }

  /**
   * The server's commit check (IndexCommitter.CheckCommit), minus deletes and soft-deletes:
   * - any / stream_exists: if every event id is already in this stream, the write is
   *   idempotent; if the first one is not, it is a new write (ids written to ANOTHER stream do
   *   not count, exactly as on the server); if only some are, the idempotency is "corrupted",
   *   which the server answers as a wrong expected version.
   * - an expected revision below the current one: idempotent if the events stored right after
   *   it carry these ids, otherwise a wrong expected version.
   * - above the current one: wrong expected version. Equal: ok.
   */
  private checkCommit(stream: string, expected: bigint, ids: string[]): CommitDecision {
    const current = this.currentVersion(stream);
    const events = this.streams.get(stream) ?? [];
    if (expected === STREAM_EXISTS && current < 0n) return { kind: 'wrong_expected_version', current };
    if (expected === ANY || expected === STREAM_EXISTS) {
      let last: StoredEvent | undefined;
      for (const [i, id] of ids.entries()) {
        const found = this.byId.get(id);
        if (!found || found.stream !== stream) {
          return i === 0 ? { kind: 'ok' } : { kind: 'wrong_expected_version', current };
        }
        last = found;
      }
      return last ? { kind: 'idempotent', last } : { kind: 'ok' };
    }
    if (expected < current) {
      let revision = expected;
      let last: StoredEvent | undefined;
      for (const id of ids) {
        revision += 1n;
        const stored = revision <= current ? events[Number(revision)] : undefined;
        if (!stored || stored.id !== id) return { kind: 'wrong_expected_version', current };
        last = stored;
      }
      return last ? { kind: 'idempotent', last } : { kind: 'ok' };
    }
    if (expected > current) return { kind: 'wrong_expected_version', current };
    return { kind: 'ok' };
  }

  private commit(stream: string, events: Proposed[]): StoredEvent {
    let list = this.streams.get(stream);
    if (!list) this.streams.set(stream, (list = []));
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    let last: StoredEvent | undefined;
    for (const e of events) {
      const stored: StoredEvent = { stream, revision: BigInt(list.length), created, position: this.nextPosition, ...e };
      // A byte-ish offset: the next record starts after this one's header and payload.
      this.nextPosition += 100n + BigInt(Buffer.byteLength(stream) + Buffer.byteLength(e.type) + e.data.length + e.customMetadata.length);
      list.push(stored);
      this.log.push(stored);
      this.byId.set(stored.id, stored);
      last = stored;
    }
    for (const s of this.subscriptions) s.wake();
    return last!;
  }

  // ---- Streams.Read --------------------------------------------------------------------

  private read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const o = call.request.getOptions();
    if (!o) return void call.emit('error', invalidArgument('read: no options'));
    const structuredIds = o.getUuidOption()?.hasStructured() ?? false;
    const backwards = o.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const subscription = o.getCountOptionCase() === ReadReq.Options.CountOptionCase.SUBSCRIPTION;
    const count = o.hasCount() ? BigInt(o.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);
    let filter: EventFilter | undefined;
    try {
      filter = o.hasFilter() ? compileFilter(o.getFilter()!) : undefined;
    } catch (e) {
      return void call.emit('error', invalidArgument(`read: bad filter: ${(e as Error).message}`));
    }

    if (o.hasStream()) {
      const so = o.getStream()!;
      const name = streamName(so.getStreamIdentifier());
      if (subscription) {
        return void call.emit('error', {
          code: grpc.status.UNIMPLEMENTED,
          details: 'simulator: subscriptions to a single stream are not simulated',
        } satisfies Partial<grpc.StatusObject>);
      }
      const events = this.streams.get(name);
      if (!events?.length) return this.streamNotFound(call, name, o.getControlOption()?.getCompatibility() ?? 0);
      let selected: StoredEvent[];
      const C = ReadReq.Options.StreamOptions.RevisionOptionCase;
      if (!backwards) {
        const from = so.getRevisionOptionCase() === C.REVISION ? BigInt(so.getRevision()) : so.getRevisionOptionCase() === C.END ? BigInt(events.length) : 0n;
        selected = from < BigInt(events.length) ? events.slice(Number(from)) : [];
      } else {
        const from = so.getRevisionOptionCase() === C.REVISION ? BigInt(so.getRevision()) : so.getRevisionOptionCase() === C.START ? -1n : BigInt(events.length - 1);
        const upTo = from >= BigInt(events.length) ? events.length - 1 : Number(from);
        selected = upTo >= 0 ? events.slice(0, upTo + 1).reverse() : [];
      }
      return this.writeAll(call, selected.slice(0, Number(count < BigInt(selected.length) ? count : BigInt(selected.length))), structuredIds);
    }

    if (!o.hasAll()) return void call.emit('error', invalidArgument('read: neither a stream nor $all'));
    const ao = o.getAll()!;
    const A = ReadReq.Options.AllOptions.AllOptionCase;
    const at = ao.getAllOptionCase() === A.POSITION ? BigInt(ao.getPosition()!.getPreparePosition()) : undefined;

    if (subscription) {
      // A subscription from a position starts AFTER it; from start, at the first record.
      const cursor = ao.getAllOptionCase() === A.END ? this.log.length : at === undefined ? 0 : this.firstIndexAtOrAfter(at + 1n);
      const sub = new SimulatedSubscription(this, call, cursor, filter, structuredIds);
      this.subscriptions.add(sub);
      void sub.pump().then(
        () => undefined,
        () => sub.close(),
      );
      return;
    }

    let candidates: StoredEvent[];
    if (!backwards) {
      // A read from a position includes the record at it.
      const from = ao.getAllOptionCase() === A.END ? this.log.length : at === undefined ? 0 : this.firstIndexAtOrAfter(at);
      candidates = this.log.slice(from);
    } else {
      const below = ao.getAllOptionCase() === A.START ? 0 : at === undefined ? this.log.length : this.firstIndexAtOrAfter(at);
      candidates = this.log.slice(0, below).reverse();
    }
    const selected: StoredEvent[] = [];
    for (const e of candidates) {
      if (BigInt(selected.length) >= count) break;
      if (!filter || filter(e)) selected.push(e);
    }
    this.writeAll(call, selected, structuredIds);
  }

  private firstIndexAtOrAfter(position: bigint): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid].position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private streamNotFound(call: grpc.ServerWritableStream<ReadReq, ReadResp>, name: string, compatibility: number): void {
    if (compatibility >= 1) {
      // Newer clients ask (ControlOption.compatibility) for "not found" as a message.
      const nf = new ReadResp.StreamNotFound().setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(name, 'utf8')));
      call.write(new ReadResp().setStreamNotFound(nf));
      call.end();
      return;
    }
    const metadata = new grpc.Metadata();
    metadata.set('exception', 'stream-not-found');
    metadata.set('stream-name', name);
    call.emit('error', { code: grpc.status.NOT_FOUND, details: `Event stream '${name}' is not found.`, metadata });
  }

  private writeAll(call: grpc.ServerWritableStream<ReadReq, ReadResp>, events: StoredEvent[], structuredIds: boolean): void {
    let i = 0;
    const next = () => {
      while (i < events.length) {
        if (!call.write(this.readResp(events[i++], structuredIds))) return void call.once('drain', next);
      }
      call.end();
    };
    next();
  }

  readResp(e: StoredEvent, structuredIds: boolean): ReadResp {
    const recorded = new ReadResp.ReadEvent.RecordedEvent()
      .setId(uuidMessage(e.id, structuredIds))
      .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(e.stream, 'utf8')))
      .setStreamRevision(String(e.revision))
      .setPreparePosition(String(e.position))
      .setCommitPosition(String(e.position))
      .setData(e.data)
      .setCustomMetadata(e.customMetadata);
    const meta = recorded.getMetadataMap();
    meta.set('type', e.type);
    meta.set('content-type', e.contentType);
    meta.set('created', String(e.created));
    const read = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(String(e.position));
    return new ReadResp().setEvent(read);
  }
}

// ---- helpers -----------------------------------------------------------------------------

function systemEvent(type: string, data: Record<string, unknown>): Proposed {
  return {
    id: randomUUID(),
    type,
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(data), 'utf8'),
    customMetadata: new Uint8Array(),
  };
}

function streamName(id: StreamIdentifier | undefined): string {
  return Buffer.from(id?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function compileFilter(f: ReadReq.Options.FilterOptions): EventFilter {
  const byStream = f.hasStreamIdentifier();
  const expr = byStream ? f.getStreamIdentifier() : f.getEventType();
  if (!expr) return () => true;
  const prefixes = expr.getPrefixList();
  const regex = expr.getRegex() ? new RegExp(expr.getRegex()) : undefined;
  const matches = (s: string) => (prefixes.length > 0 ? prefixes.some((p) => s.startsWith(p)) : regex ? regex.test(s) : true);
  return (e) => matches(byStream ? e.stream : e.type);
}

/** The server stores ids as .NET Guids and answers them in lower-case "D" form. */
function uuidText(u: UUID | undefined): string {
  if (!u) return randomUUID();
  if (u.hasString()) return u.getString().toLowerCase();
  const s = u.getStructured()!;
  const hex = (v: string) => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
  const h = hex(s.getMostSignificantBits()) + hex(s.getLeastSignificantBits());
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function uuidMessage(id: string, structured: boolean): UUID {
  if (!structured) return new UUID().setString(id);
  const h = id.replace(/-/g, '');
  const signed = (hex: string) => String(BigInt.asIntN(64, BigInt(`0x${hex}`)));
  return new UUID().setStructured(
    new UUID.Structured().setMostSignificantBits(signed(h.slice(0, 16))).setLeastSignificantBits(signed(h.slice(16))),
  );
}

function invalidArgument(details: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.INVALID_ARGUMENT, details };
}

function requiredMetadataMissing(): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'missing-required-metadata-property');
  metadata.set('required-metadata-properties', 'type,content-type');
  return { code: grpc.status.INVALID_ARGUMENT, details: 'Required metadata properties are missing: type, content-type', metadata };
}

function maxAppendSizeExceeded(max: number): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(max));
  return { code: grpc.status.INVALID_ARGUMENT, details: `Maximum Append Size of ${max} Exceeded.`, metadata };
}
