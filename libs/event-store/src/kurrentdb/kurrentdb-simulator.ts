import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { Value } from 'google-protobuf/google/protobuf/struct_pb';
import { StreamsService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb';
import {
  Empty,
  MaximumAppendSizeExceeded,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb';
import { Status } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb';
import { ServerFeaturesService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb';
import { StreamsServiceService as V2StreamsService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_grpc_pb';
import {
  AppendRequest,
  AppendResponse,
  AppendSessionResponse,
  SchemaFormat,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/streams_pb';
import {
  AppendTransactionSizeExceededErrorDetails,
  StreamRevisionConflictErrorDetails,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v2/streams/errors_pb';

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
 * It presents itself as a KurrentDB 25.1 server (SIMULATED_SERVER_VERSION): its
 * ServerFeatures.GetSupportedMethods lists what a 25.1 node lists (every `*client*` and
 * `kurrentdb.protocol*` gRPC method, lower-cased, with the same feature flags), so the client takes
 * the paths it takes against a real 25.1 server: Streams.BatchAppend for appendToStream and the v2
 * StreamsService.AppendSession for multiStreamAppend.
 *
 * Implemented: ServerFeatures.GetSupportedMethods; Streams.Append (plain, used by the client when
 * credentials are passed per call) and Streams.BatchAppend, both with expected-state checks and
 * idempotency following the server's CommitCheck rules and the 1 MiB max append size;
 * StreamsService.AppendSession (atomic over several streams: every stream checked, then every
 * record written, or nothing; the 25.1 request validation, including its refusal of a request
 * with zero records; records read back with their properties as JSON metadata plus
 * `$schema.name`/`$schema.format`, as the server synthesises it); Streams.Read (stream reads
 * forwards/backwards, `$all` reads forwards/backwards with stream-name / event-type filters,
 * catch-up + live subscriptions to `$all` with confirmation, caught-up and checkpoint messages).
 * Listed by ServerFeatures as a 25.1 node lists them, but not simulated (grpc-js answers
 * UNIMPLEMENTED): deletes, tombstones, persistent subscriptions, projections, users, operations,
 * gossip. Subscriptions to a single stream answer UNIMPLEMENTED too. StreamsService.AppendRecords
 * (26.1) is neither listed nor simulated.
 */

/** KurrentDB's default `MaxAppendSize`. */
export const SIMULATOR_MAX_APPEND_SIZE = 1024 * 1024;

/** What GetSupportedMethods reports: a 25.1 node answers major.minor.patch. */
export const SIMULATED_SERVER_VERSION = '25.1.4';

/** Calls the simulator has answered, per method: tests use them to see which path the client took. */
export type SimulatorCallCounts = {
  getSupportedMethods: number;
  append: number;
  batchAppend: number;
  appendSession: number;
  read: number;
};

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

/** One stream's part in a multi-stream write. */
type StreamWrite = { stream: string; expected: bigint; events: Proposed[] };

type MultiCommitOutcome =
  | { kind: 'written' | 'idempotent'; lastRevisions: bigint[]; position: bigint }
  | { kind: 'wrong_expected_version'; index: number; current: bigint }
  | { kind: 'corrupted_idempotency' };

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
  readonly calls: SimulatorCallCounts = { getSupportedMethods: 0, append: 0, batchAppend: 0, appendSession: 0, read: 0 };

  constructor(private readonly maxAppendSize = SIMULATOR_MAX_APPEND_SIZE) {
    // A fresh server's log starts with system events; readers of $all must skip them.
    this.commit('$settings', [systemEvent('$settings', { $userStreamAcl: {} })]);
    this.commit('$stats-127.0.0.1:2113', [systemEvent('$statsCollected', { 'proc-id': 1 })]);
  }

  async start(): Promise<{ url: string }> {
    const server = new grpc.Server();
    server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => {
        this.calls.read++;
        this.read(call);
      },
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) => {
        this.calls.append++;
        this.append(call, callback);
      },
      batchAppend: (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
        this.calls.batchAppend++;
        this.batchAppend(call);
      },
    });
    server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: grpc.ServerUnaryCall<Empty, SupportedMethods>, callback: grpc.sendUnaryData<SupportedMethods>) => {
        this.calls.getSupportedMethods++;
        callback(null, supportedMethods());
      },
    });
    server.addService(V2StreamsService, {
      appendSession: (
        call: grpc.ServerReadableStream<AppendRequest, AppendSessionResponse>,
        callback: grpc.sendUnaryData<AppendSessionResponse>,
      ) => {
        this.calls.appendSession++;
        this.appendSession(call, callback);
      },
    } as unknown as grpc.UntypedServiceImplementation);
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

  // ---- Streams.BatchAppend -------------------------------------------------------------

  /**
   * The client keeps one BatchAppend call open per connection and multiplexes appends over it by
   * correlation id: the first request of an append carries the options, the last is_final. Each
   * append is answered on the same call, success or error, without ending it (as the server does).
   */
  private batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    type Pending = { stream: string; expected: bigint; expectedCase: BatchAppendReq.Options.ExpectedStreamPositionCase; events: Proposed[]; size: number; failed: boolean };
    const pending = new Map<string, Pending>();
    call.on('data', (req: BatchAppendReq) => {
      const correlation = req.getCorrelationId();
      const key = uuidText(correlation);
      let p = pending.get(key);
      if (!p) {
        const o = req.getOptions();
        if (!o) return; // a later batch of an append already answered (failed): drop it, as the server does
        const C = BatchAppendReq.Options.ExpectedStreamPositionCase;
        const expectedCase = o.getExpectedStreamPositionCase();
        const expected =
          expectedCase === C.STREAM_POSITION ? BigInt(o.getStreamPosition()) : expectedCase === C.NO_STREAM ? NO_STREAM : expectedCase === C.STREAM_EXISTS ? STREAM_EXISTS : ANY;
        p = { stream: streamName(o.getStreamIdentifier()), expected, expectedCase, events: [], size: 0, failed: false };
        pending.set(key, p);
      }
      const answer = (resp: BatchAppendResp) => {
        resp.setCorrelationId(correlation);
        resp.setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(p!.stream, 'utf8')));
        const C = BatchAppendReq.Options.ExpectedStreamPositionCase;
        if (p!.expectedCase === C.STREAM_POSITION) resp.setStreamPosition(String(p!.expected));
        else if (p!.expectedCase === C.NO_STREAM) resp.setNoStream(new Empty());
        else if (p!.expectedCase === C.STREAM_EXISTS) resp.setStreamExists(new Empty());
        else resp.setAny(new Empty());
        call.write(resp);
      };
      if (p.failed) return;
      for (const m of req.getProposedMessagesList()) {
        const meta = m.getMetadataMap();
        const type = meta.get('type');
        const contentType = meta.get('content-type');
        if (!type || !contentType) {
          p.failed = true;
          return answer(new BatchAppendResp().setError(new Status().setCode(3).setMessage('Required metadata properties are missing: type, content-type')));
        }
        const data = m.getData_asU8();
        const customMetadata = m.getCustomMetadata_asU8();
        p.size += data.length + customMetadata.length + Buffer.byteLength(type);
        if (p.size > this.maxAppendSize) {
          p.failed = true;
          const details = new MaximumAppendSizeExceeded().setMaxappendsize(this.maxAppendSize);
          return answer(new BatchAppendResp().setError(statusWithDetails(3, `Maximum Append Size of ${this.maxAppendSize} Exceeded.`, details.serializeBinary(), 'event_store.client.MaximumAppendSizeExceeded')));
        }
        p.events.push({ id: uuidText(m.getId()), type, contentType, data, customMetadata });
      }
      if (!req.getIsFinal()) return;
      pending.delete(key);
      const resp = this.commitChecked(p.stream, p.expected, p.events);
      if (resp.hasWrongExpectedVersion()) {
        const w = resp.getWrongExpectedVersion()!;
        const details = new WrongExpectedVersion();
        if (w.hasCurrentRevision()) details.setCurrentStreamRevision(w.getCurrentRevision());
        else details.setCurrentNoStream(new Empty());
        if (p.expected === ANY) details.setExpectedAny(new Empty());
        else if (p.expected === NO_STREAM) details.setExpectedNoStream(new Empty());
        else if (p.expected === STREAM_EXISTS) details.setExpectedStreamExists(new Empty());
        else details.setExpectedStreamPosition(String(p.expected));
        const message = `Append failed due to WrongExpectedVersion. Stream: ${p.stream}, Expected version: ${p.expected}`;
        return answer(new BatchAppendResp().setError(statusWithDetails(9, message, details.serializeBinary(), 'event_store.client.WrongExpectedVersion')));
      }
      const s = resp.getSuccess()!;
      const success = new BatchAppendResp.Success();
      if (s.hasCurrentRevision()) success.setCurrentRevision(s.getCurrentRevision());
      else success.setNoStream(new Empty());
      const position = s.getPosition();
      if (position) success.setPosition(position);
      else success.setNoPosition(new Empty());
      answer(new BatchAppendResp().setSuccess(success));
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  }

  // ---- StreamsService.AppendSession (v2) --------------------------------------------------

  /**
   * The 25.1 AppendSession: one AppendRequest per stream, validated as it arrives (the server's
   * AppendRequestValidator and the session's own checks), then one atomic write on end.
   */
  private appendSession(
    call: grpc.ServerReadableStream<AppendRequest, AppendSessionResponse>,
    callback: grpc.sendUnaryData<AppendSessionResponse>,
  ): void {
    const writes: (StreamWrite & { requestedRevision: string })[] = [];
    const seen = new Set<string>();
    let size = 0;
    let answered = false;
    const answer = (err: Partial<grpc.StatusObject> | null, resp?: AppendSessionResponse) => {
      if (answered) return;
      answered = true;
      callback(err, resp);
    };
    call.on('data', (req: AppendRequest) => {
      if (answered) return;
      const stream = req.getStream();
      const requested = req.hasExpectedRevision() ? BigInt(req.getExpectedRevision()!) : ANY;
      if (!stream) return answer(badRequest('Stream name must not be empty.'));
      if (!(requested >= 0n || requested === ANY || requested === NO_STREAM || requested === STREAM_EXISTS)) {
        return answer(badRequest('Expected revision must be positive or one of the allowed constants: NoStream (-1), Any (-2) or Exists (-4).'));
      }
      // The server's AppendRequestValidator (25.1 and every later version): no record, no request.
      // So an AppendSession cannot carry a stream that is only to be checked.
      if (req.getRecordsList().length === 0) return answer(badRequest('Stream append request must contain at least one record'));
      const key = stream.toLowerCase(); // the session compares stream names ignoring case
      if (seen.has(key)) {
        return answer({
          code: grpc.status.FAILED_PRECONDITION,
          details: `Stream '${stream}' is already part of this append session. Appending to the same stream multiple times is currently not supported.`,
        });
      }
      seen.add(key);
      const events: Proposed[] = [];
      for (const r of req.getRecordsList()) {
        const id = r.hasRecordId() ? r.getRecordId()! : randomUUID();
        if (!UUID_PATTERN.test(id)) return answer(badRequest(`Record ID '${id}' is not a valid UUID.`));
        const schema = r.getSchema();
        const type = schema?.getName() ?? '';
        if (!/^[a-zA-Z0-9_.$:-]+$/.test(type)) {
          return answer(badRequest(`Schema name can only contain alphanumeric characters, underscores, dashes, periods, colons, and dollar signs. Attempted Value: ${type}`));
        }
        const json = schema?.getFormat() === SchemaFormat.SCHEMA_FORMAT_JSON;
        const properties: Record<string, unknown> = {};
        r.getPropertiesMap().forEach((v: Value, k: string) => {
          properties[k] = v.toJavaScript();
        });
        const data = r.getData_asU8();
        const propertiesSize = Buffer.byteLength(JSON.stringify(properties));
        size += data.length + propertiesSize + Buffer.byteLength(type);
        if (size > this.maxAppendSize) {
          const details = new AppendTransactionSizeExceededErrorDetails().setSize(size).setMaxSize(this.maxAppendSize);
          return answer(
            grpcStatusWithDetails(
              grpc.status.ABORTED,
              `Transaction size (${size} bytes) exceeded the maximum allowed size of ${this.maxAppendSize} bytes.`,
              details.serializeBinary(),
              'kurrentdb.protocol.v2.streams.errors.AppendTransactionSizeExceededErrorDetails',
            ),
          );
        }
        // The server stores the properties as the record's metadata and, on a read through the
        // v1 API, gives them back as JSON with the schema name and format added.
        if (!json) properties['$schema.format'] = 'Bytes';
        const metadata = { ...properties, '$schema.name': type, ...(json ? { '$schema.format': 'Json' } : {}) };
        events.push({
          id: id.toLowerCase(),
          type,
          contentType: json ? 'application/json' : 'application/octet-stream',
          data,
          customMetadata: Buffer.from(JSON.stringify(metadata), 'utf8'),
        });
      }
      writes.push({ stream, expected: requested, events, requestedRevision: String(requested) });
    });
    call.on('error', () => answer({ code: grpc.status.CANCELLED, details: 'append session cancelled' }));
    call.on('end', () => {
      if (answered) return;
      if (writes.length === 0) return answer(badRequest('An append session needs at least one append request.'));
      const outcome = this.commitMany(writes);
      if (outcome.kind === 'wrong_expected_version') {
        const failed = writes[outcome.index];
        const details = new StreamRevisionConflictErrorDetails()
          .setStream(failed.stream)
          .setExpectedRevision(failed.requestedRevision)
          .setActualRevision(String(outcome.current));
        return answer(
          grpcStatusWithDetails(
            grpc.status.FAILED_PRECONDITION,
            `Append failed due to a revision conflict on stream '${failed.stream}'. Expected revision: ${failed.requestedRevision}. Actual revision: ${outcome.current}.`,
            details.serializeBinary(),
            'kurrentdb.protocol.v2.streams.errors.StreamRevisionConflictErrorDetails',
          ),
        );
      }
      if (outcome.kind === 'corrupted_idempotency') {
        // The 25.1 core answers a write that is idempotent for some streams and new for others as
        // a wrong expected version naming no stream; the 25.1 AppendSession then fails while
        // mapping it (it indexes the first failing stream), which reaches the client as UNKNOWN.
        return answer({ code: grpc.status.UNKNOWN, details: 'Exception was thrown by handler.' });
      }
      const resp = new AppendSessionResponse().setPosition(String(outcome.position));
      writes.forEach((w, i) => resp.addOutput(new AppendResponse().setStream(w.stream).setStreamRevision(String(outcome.lastRevisions[i]))));
      answer(null, resp);
    });
  }

  /**
   * A write to several streams as the 25.1 core does it (StorageWriterService.VerifyCommitChecks):
   * every stream is checked first; all ok: everything is written, in request order, in one
   * synchronous step; all idempotent: nothing is written and the stored revisions are answered; any
   * wrong expected version: nothing is written; a mix of ok and idempotent: corrupted idempotency.
   */
  private commitMany(writes: StreamWrite[]): MultiCommitOutcome {
    const decisions = writes.map((w) => this.checkCommit(w.stream, w.expected, w.events.map((e) => e.id)));
    const wrong = decisions.findIndex((d) => d.kind === 'wrong_expected_version');
    if (wrong >= 0) return { kind: 'wrong_expected_version', index: wrong, current: (decisions[wrong] as { current: bigint }).current };
    if (decisions.every((d) => d.kind === 'idempotent')) {
      const lasts = decisions.map((d) => (d as { last: StoredEvent }).last);
      return {
        kind: 'idempotent',
        lastRevisions: lasts.map((e) => e.revision),
        position: lasts.reduce((max, e) => (e.position > max ? e.position : max), 0n),
      };
    }
    if (!decisions.every((d) => d.kind === 'ok')) return { kind: 'corrupted_idempotency' };
    const lasts = writes.map((w) => this.commit(w.stream, w.events, false));
    for (const s of this.subscriptions) s.wake();
    return { kind: 'written', lastRevisions: lasts.map((e) => e.revision), position: lasts[lasts.length - 1].position };
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

  private commit(stream: string, events: Proposed[], wake = true): StoredEvent {
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
    if (wake) for (const s of this.subscriptions) s.wake();
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

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a 25.1 node's ServerFeatures.GetSupportedMethods answers: every gRPC method of a service
 * whose name contains "client" or "kurrentdb.protocol", lower-cased, with the features the server
 * attaches (persistent subscriptions: stream and all; Streams reads: position and events;
 * BatchAppend: deadline_duration; projection creation: track_emitted_streams).
 */
function supportedMethods(): SupportedMethods {
  const services: Record<string, string[]> = {
    'event_store.client.streams.Streams': ['Read', 'Append', 'Delete', 'Tombstone', 'BatchAppend'],
    'event_store.client.persistent_subscriptions.PersistentSubscriptions': [
      'Create', 'Update', 'Delete', 'Read', 'GetInfo', 'ReplayParked', 'List', 'RestartSubsystem',
    ],
    'event_store.client.projections.Projections': [
      'Create', 'Update', 'Delete', 'Statistics', 'Disable', 'Enable', 'Reset', 'State', 'Result', 'RestartSubsystem',
    ],
    'event_store.client.users.Users': ['Create', 'Update', 'Delete', 'Disable', 'Enable', 'Details', 'ChangePassword', 'ResetPassword'],
    'event_store.client.operations.Operations': [
      'StartScavenge', 'StopScavenge', 'Shutdown', 'MergeIndexes', 'ResignNode', 'SetNodePriority', 'RestartPersistentSubscriptions',
    ],
    'event_store.client.gossip.Gossip': ['Read'],
    'event_store.client.monitoring.Monitoring': ['Stats'],
    'event_store.client.server_features.ServerFeatures': ['GetSupportedMethods'],
    'kurrent.client.redaction.Redaction': ['GetEventPositions', 'SwitchChunks'],
    'kurrentdb.protocol.v2.streams.StreamsService': ['AppendSession'],
  };
  const methods: SupportedMethod[] = [];
  for (const [service, names] of Object.entries(services)) {
    for (const name of names) {
      const m = new SupportedMethod().setServiceName(service.toLowerCase()).setMethodName(name.toLowerCase());
      if (service.includes('PersistentSubscriptions')) m.setFeaturesList(['stream', 'all']);
      else if (service.includes('Streams') && name.includes('Read')) m.setFeaturesList(['position', 'events']);
      else if (service.includes('Streams') && name.includes('BatchAppend')) m.setFeaturesList(['deadline_duration']);
      else if (service.includes('Projections') && name.includes('Create')) m.setFeaturesList(['track_emitted_streams']);
      methods.push(m);
    }
  }
  return new SupportedMethods().setEventStoreServerVersion(SIMULATED_SERVER_VERSION).setMethodsList(methods);
}

/** A v1 Status (as BatchAppend answers errors in-band) carrying one typed detail. */
function statusWithDetails(code: number, message: string, detail: Uint8Array, typeName: string): Status {
  const any = new Any();
  any.pack(detail, typeName);
  return new Status().setCode(code).setMessage(message).setDetails(any);
}

/** A gRPC error with a rich status in `grpc-status-details-bin`, as the v2 API reports its errors. */
function grpcStatusWithDetails(code: grpc.status, message: string, detail: Uint8Array, typeName: string): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(statusWithDetails(code, message, detail, typeName).serializeBinary()));
  return { code, details: message, metadata };
}

/** The v2 API's request validation error (ApiErrors.InvalidRequest). */
function badRequest(failure: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.INVALID_ARGUMENT, details: `The 'AppendRequest' is invalid: ${failure}` };
}

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
