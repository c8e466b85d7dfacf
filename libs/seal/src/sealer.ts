import { comparePositions, formatPosition, parsePosition, type Db, type RecordedEvent, type SqlExecutor } from '@yuantrace/event-store';
import type { Projection } from '@yuantrace/projections';
import type { SealKey } from './seal-key';
import * as v from './verifier/yuantrace-verify';
import type { CheckpointBody, SignedCheckpoint } from './verifier/yuantrace-verify';
import { PREPARED_WINDOWS, SealHasher, type HashingRun, type PreparedHashing } from './hasher/seal-hasher';
import { canonicalEventFromTexts, eventEnvelope } from './hasher/canonical-text';

/**
 * The sealer: a projection that walks the log in its global order, chains every event
 * (h_i = H(h_{i-1} ‖ canonical(event_i))) and every N events, or when the oldest unsealed event
 * has waited T seconds, writes a signed checkpoint. It runs beside the other projections, so
 * appends stay fast and concurrent writers are not serialised by it.
 *
 * Its tables are never dropped or rebuilt: a checkpoint is a signed statement already given out
 * (served publicly, printed on 公示 notices). Re-sealing an altered log would sign the alteration,
 * so the sealer refuses to seal a position twice and refuses to continue a seal begun by another key.
 */
export const SEAL_PROJECTION = 'seal';

/** The seal's own tables: never dropped by a rebuild (only a benchmark starts a seal over). */
export const SEAL_TABLES = ['seal_state', 'seal_checkpoints', 'seal_pending'] as const;


export type SealOptions = {
  key: SealKey;
  /** Events per checkpoint at most (SEAL_EVERY_EVENTS). */
  everyEvents: number;
  /** Seconds the oldest unsealed event may wait before a checkpoint is due (SEAL_EVERY_SECONDS). */
  everySeconds: number;
  /** Names the log in every checkpoint, so that checkpoints of two logs are not confused. */
  logName: string;
  now?: () => Date;
  /** Where runs of events are hashed (by default, long ones on a thread of its own: see SealHasher). */
  hasher?: SealHasher;
};

export type SealState = {
  count: number;
  position: string;
  chainHead: string;
  pendingFromCount: number;
  pendingFromPosition: string;
  pendingSince: Date | null;
  lastNo: number;
  lastLink: string;
  keyId: string | null;
};

const SETUP = `
  create table if not exists seal_state (
    id int primary key check (id = 1),
    count bigint not null default 0,
    position text not null default '0.0',
    chain_head text not null,
    pending_from_count bigint not null default 0,
    pending_from_position text not null default '0.0',
    pending_since timestamptz,
    last_no int not null default 0,
    last_link text not null,
    key_id text,
    alg text,
    public_key text
  );
  create table if not exists seal_checkpoints (
    no int primary key,
    body jsonb not null,
    signature text not null,
    ids bytea not null,
    leaves bytea not null,
    count bigint not null,
    to_commit bigint not null,
    to_prepare bigint not null,
    sealed_at timestamptz not null
  );
  create unique index if not exists seal_checkpoints_position_idx on seal_checkpoints (to_commit, to_prepare);
  create table if not exists seal_pending (
    seq bigint primary key,
    event_id bytea not null,
    leaf bytea not null
  );
`;

export async function setupSealTables(q: SqlExecutor): Promise<void> {
  for (const statement of SETUP.split(';').map((s) => s.trim()).filter(Boolean)) await q.query(statement);
  await q.query(`insert into seal_state (id, chain_head, last_link) values (1, $1, $1) on conflict (id) do nothing`, ['0'.repeat(64)]);
}

/** The fields of a recorded event that are sealed: what events.jsonl and a proof carry, and what canonical() is taken over. */
export function walkedFields(e: RecordedEvent) {
  return {
    data: e.data,
    id: e.id,
    metadata: e.metadata,
    position: formatPosition(e.position),
    recordedAt: e.recordedAt.toISOString(),
    revision: e.revision.toString(),
    stream: e.streamId,
    type: e.type,
  };
}

/**
 * A recorded event in the canonical form of the verifier: canonicalEvent(walkedFields(e)), written
 * from the store's JSON texts of data and metadata where the event has them (a catch-up).
 */
export const canonicalOf = (e: RecordedEvent): string => {
  const t = e.jsonText;
  if (!t) return v.canonicalEvent(walkedFields(e));
  return canonicalEventFromTexts({ data: t.data, metadata: t.metadata, ...envelopeFields(e) });
};

const envelopeFields = (e: RecordedEvent) => ({ id: e.id, position: formatPosition(e.position), recordedAt: e.recordedAt.toISOString(),
  revision: e.revision.toString(), stream: e.streamId, type: e.type });

/** The hashes of a run given these events. */
function hashed(run: HashingRun, events: readonly RecordedEvent[]) {
  try {
    for (const e of events) addToHashing(run, e);
  } catch (e) {
    run.abandon();
    throw e;
  }
  return run.end();
}

/**
 * Hands an event to a hashing run: as its store's texts and the envelope's pieces where it has
 * them (a catch-up), so that canonical JSON is written where the run is hashed, on the hashing
 * thread for a long run, while this thread reads the next window; otherwise as canonicalOf's text.
 */
function addToHashing(run: HashingRun | PreparedHashing, e: RecordedEvent): void {
  const t = e.jsonText;
  if (!t) return run.add(canonicalOf(e));
  const { between, after } = eventEnvelope(envelopeFields(e));
  run.addTexts(t.data, between, t.metadata, after);
}

/** Lowercase, as both stores give them: an id is sealed as its 16 bytes and read back in this form. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const uuidText = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A bytea as the drivers give it (pg: Buffer, PGlite: Uint8Array). */
export const bytes = (x: unknown): Buffer => (Buffer.isBuffer(x) ? x : Buffer.from(x as Uint8Array));

async function lockState(tx: SqlExecutor): Promise<SealState> {
  const r = await tx.query<Record<string, unknown>>('select * from seal_state where id = 1 for update');
  const s = r.rows[0];
  if (!s) throw new Error('seal_state is missing: the sealer was not set up');
  return {
    count: Number(s.count),
    position: String(s.position),
    chainHead: String(s.chain_head),
    pendingFromCount: Number(s.pending_from_count),
    pendingFromPosition: String(s.pending_from_position),
    pendingSince: s.pending_since ? new Date(s.pending_since as string) : null,
    lastNo: Number(s.last_no),
    lastLink: String(s.last_link),
    keyId: (s.key_id as string | null) ?? null,
  };
}

async function saveState(tx: SqlExecutor, s: SealState, key: SealKey): Promise<void> {
  await tx.query(
    `update seal_state set count = $1, position = $2, chain_head = $3, pending_from_count = $4,
       pending_from_position = $5, pending_since = $6, last_no = $7, last_link = $8, key_id = $9, alg = $10, public_key = $11 where id = 1`,
    [s.count, s.position, s.chainHead, s.pendingFromCount, s.pendingFromPosition, s.pendingSince, s.lastNo,
      s.lastLink, key.keyId, key.alg, JSON.stringify(key.publicDocument())],
  );
}

/**
 * The newest checkpoint each key has signed in this process. The seal's tables can be written by
 * anyone with SQL access: rolled back to an earlier checkpoint, they would have the sealer sign an
 * altered log again under the genuine key. While the process lives (its sealing options, shared by
 * the projection and the ticker) it refuses to sign below what it has signed; across a restart only
 * a checkpoint held outside (--expect) shows it (README).
 */
const signedUpTo = new WeakMap<SealOptions, { no: number; link: string }>();

function assertNotRolledBack(s: SealState, options: SealOptions): void {
  const high = signedUpTo.get(options);
  if (!high) return;
  if (s.lastNo < high.no || (s.lastNo === high.no && s.lastLink !== high.link)) {
    throw new Error(`the seal in the database stands at checkpoint ${s.lastNo}, but this process has signed checkpoint ${high.no}: the seal's tables were rolled back or replaced; refusing to sign again`);
  }
}

function assertSameKey(s: SealState, key: SealKey): void {
  if (s.keyId !== null && s.keyId !== key.keyId) {
    throw new Error(`the seal of this log was begun with key ${s.keyId}; this process has key ${key.keyId}. Sealing with another key would break the chain of signatures: configure the original key`);
  }
}

/**
 * Events chained but not yet in a checkpoint wait as rows of seal_pending: a batch appends its
 * own (rewriting one growing blob per batch cost the live path dearly), a checkpoint takes them all.
 */
async function takePending(tx: SqlExecutor, waiting: number): Promise<{ ids: Buffer; leaves: Buffer }> {
  if (waiting === 0) return { ids: Buffer.alloc(0), leaves: Buffer.alloc(0) };
  const r = await tx.query<{ event_id: unknown; leaf: unknown }>('select event_id, leaf from seal_pending order by seq');
  if (r.rows.length !== waiting) throw new Error(`the seal expected ${waiting} events waiting for a checkpoint and found ${r.rows.length}: its tables were changed`);
  await tx.query('delete from seal_pending');
  return { ids: Buffer.concat(r.rows.map((x) => bytes(x.event_id))), leaves: Buffer.concat(r.rows.map((x) => bytes(x.leaf))) };
}

async function putPending(tx: SqlExecutor, firstSeq: number, ids: Buffer, leaves: Buffer): Promise<void> {
  const n = ids.length / 16;
  if (n === 0) return;
  const seqs: number[] = [];
  const idHex: string[] = [];
  const leafHex: string[] = [];
  for (let k = 0; k < n; k++) {
    seqs.push(firstSeq + k);
    idHex.push(ids.toString('hex', 16 * k, 16 * k + 16));
    leafHex.push(leaves.toString('hex', 32 * k, 32 * k + 32));
  }
  await tx.query(
    `insert into seal_pending (seq, event_id, leaf)
     select s, decode(i, 'hex'), decode(l, 'hex') from unnest($1::bigint[], $2::text[], $3::text[]) as u(s, i, l)`,
    [seqs, idHex, leafHex],
  );
}

/** Signs the events s.pendingFromCount+1 … s.count (their ids, leaves and Merkle root given) as the next checkpoint. */
async function writeCheckpoint(tx: SqlExecutor, s: SealState, ids: Buffer, leafBytes: Buffer, root: Buffer, options: SealOptions): Promise<SignedCheckpoint> {
  const row = signCheckpoint(s, ids, leafBytes, root, options);
  await insertCheckpoints(tx, [row], options);
  return row.checkpoint;
}

type CheckpointRow = { checkpoint: SignedCheckpoint; ids: Buffer; leaves: Buffer; count: number; link: string };

/** The next checkpoint, signed, and the state moved past it (written by insertCheckpoints, in the same transaction). */
function signCheckpoint(s: SealState, ids: Buffer, leaves: Buffer, root: Buffer, options: SealOptions): CheckpointRow {
  const { key } = options;
  const hash = key.pub.hash;
  const body: CheckpointBody = {
    log: options.logName,
    no: s.lastNo + 1,
    alg: key.alg,
    hash,
    keyId: key.keyId,
    fromCount: s.pendingFromCount,
    count: s.count,
    fromPosition: s.pendingFromPosition,
    position: s.position,
    chainHead: s.chainHead,
    merkleRoot: root.toString('hex'),
    previous: s.lastLink,
    sealedAt: (options.now?.() ?? new Date()).toISOString(),
  };
  const checkpoint: SignedCheckpoint = { body, signature: key.sign(v.checkpointBytes(body)) };
  s.lastNo = body.no;
  s.lastLink = v.checkpointLink(hash, checkpoint);
  s.pendingFromCount = s.count;
  s.pendingFromPosition = s.position;
  s.pendingSince = null;
  return { checkpoint, ids, leaves, count: s.count, link: s.lastLink };
}

/**
 * Checkpoints in one statement (a catch-up's window signs five at a time: one round trip instead
 * of five); once written, this process will not sign below the last of them.
 */
async function insertCheckpoints(tx: SqlExecutor, rows: readonly CheckpointRow[], options: SealOptions): Promise<void> {
  for (let from = 0; from < rows.length; from += CHECKPOINTS_PER_INSERT) {
    const chunk = rows.slice(from, from + CHECKPOINTS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = chunk.map(({ checkpoint: { body, signature }, ids, leaves, count }) => {
      const to = parsePosition(body.position)!;
      const k = params.push(body.no, JSON.stringify(body), signature, ids, leaves, count, to.commit.toString(), to.prepare.toString(), body.sealedAt) - 9;
      return `(${Array.from({ length: 9 }, (_, i) => `$${k + i + 1}`).join(', ')})`;
    });
    await tx.query(`insert into seal_checkpoints (no, body, signature, ids, leaves, count, to_commit, to_prepare, sealed_at) values ${tuples.join(', ')}`, params);
  }
  const last = rows.at(-1);
  if (last) signedUpTo.set(options, { no: last.checkpoint.body.no, link: last.link });
}
/** 9 parameters a checkpoint, well within PostgreSQL's 65,535 a statement. */
const CHECKPOINTS_PER_INSERT = 1000;

export function sealerProjection(options: SealOptions): Projection {
  const hash = options.key.pub.hash;
  const hasher = options.hasher ?? new SealHasher();
  if (!Number.isInteger(options.everyEvents) || options.everyEvents < 1) throw new Error(`a checkpoint every ${options.everyEvents} events: it must be a whole number of at least 1`);
  // Windows handed to the hashing thread ahead of their apply(), with the events they were made of.
  let ahead: Array<{ first: RecordedEvent; last: RecordedEvent; n: number; window: PreparedHashing }> = [];
  return {
    name: SEAL_PROJECTION,
    passCost: 20,
    version: 1,
    tables: [],
    rebuildable: false,
    // A catch-up hands it data and metadata as the store's texts: canonical JSON is written from
    // them (canonicalOf), with no parsing into objects and no copying of them into JCS order.
    readsJsonText: true,
    // Nobody reads the seal at once: checkpoints come every N events or T seconds. Reading the log
    // at most once a second (a quarter of T when T is shorter) keeps it off the commands' path on
    // the embedded store, where it shares the api's one connection.
    followPaceMs: Math.min(1000, options.everySeconds * 250),
    setup: setupSealTables,
    // Only for events read with their texts: writing other events' canonical form here, ahead,
    // would only move that work earlier on this thread.
    prepare(events) {
      const n = events.length;
      if (n === 0 || !events[0].jsonText) return;
      const window = hasher.prepare(hash, n);
      if (!window) return;
      try {
        for (const e of events) addToHashing(window, e);
        window.finish();
        ahead = [...ahead.slice(1 - PREPARED_WINDOWS), { first: events[0], last: events[n - 1], n, window }];
      } catch {
        window.drop(); // apply() hashes these events itself and meets the same failure there
      }
    },
    async apply(tx, events) {
      const s = await lockState(tx);
      assertSameKey(s, options.key);
      assertNotRolledBack(s, options);
      const first = events[0]?.position;
      if (first && comparePositions(first, parsePosition(s.position)!) <= 0) {
        throw new Error(`the seal already covers position ${s.position}; refusing to seal ${formatPosition(first)} again (was the seal's checkpoint reset?)`);
      }
      const n = events.length;
      // A checkpoint falls after the event that makes everyEvents wait (counting those of earlier
      // batches), then after every everyEvents more.
      const waitingBefore = s.count - s.pendingFromCount;
      const cuts: number[] = [];
      for (let cut = Math.max(1, options.everyEvents - waitingBefore); cut <= n; cut += options.everyEvents) cuts.push(cut);
      const earlier = cuts.length > 0 ? await takePending(tx, waitingBefore) : undefined;
      const ids = Buffer.allocUnsafe(16 * n);
      for (let i = 0; i < n; i++) {
        const id = events[i].id;
        if (!UUID.test(id) || ids.write(id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24), 16 * i, 'hex') !== 16) {
          throw new Error(`event id ${id} is not a UUID; the seal records ids as 16 bytes`);
        }
      }
      const spec = { alg: hash, chain: Buffer.from(s.chainHead, 'hex'), n, cuts, earlierLeaves: earlier?.leaves };
      // The same event objects, so the same texts: prepared from these very events.
      const own = ahead.find((a) => a.n === n && a.first === events[0] && a.last === events[n - 1]);
      // Windows are applied in order: any prepared before this one will not be asked for.
      ahead = own ? ahead.slice(ahead.indexOf(own) + 1) : ahead.slice(-PREPARED_WINDOWS);
      const h = await ((own && hasher.runPrepared(own.window, spec)) || hashed(hasher.begin(spec), events));
      const countBefore = s.count;
      let from = 0;
      const signed: CheckpointRow[] = [];
      for (let k = 0; k < cuts.length; k++) {
        const to = cuts[k];
        s.count = countBefore + to;
        s.position = formatPosition(events[to - 1].position);
        s.chainHead = h.heads[k].toString('hex');
        const own = { ids: ids.subarray(16 * from, 16 * to), leaves: h.leaves.subarray(32 * from, 32 * to) };
        signed.push(signCheckpoint(s, k === 0 ? Buffer.concat([earlier!.ids, own.ids]) : own.ids,
          k === 0 ? Buffer.concat([earlier!.leaves, own.leaves]) : own.leaves, h.roots[k], options));
        from = to;
      }
      await insertCheckpoints(tx, signed, options);
      s.count = countBefore + n;
      if (n > 0) s.position = formatPosition(events[n - 1].position);
      s.chainHead = h.heads[cuts.length].toString('hex');
      await putPending(tx, countBefore + from + 1, ids.subarray(16 * from), h.leaves.subarray(32 * from));
      // The oldest event waiting for a checkpoint has waited since it was recorded, not since this
      // sealer (which reads at its pace) chained it: a checkpoint comes within SEAL_EVERY_SECONDS of it.
      // (Recorded by the database's clock, compared with this process's: a skew between them moves it by as much.)
      const waiting = s.count - s.pendingFromCount;
      if (waiting === 0) s.pendingSince = null;
      else if (waiting === n - from) s.pendingSince = events[from].recordedAt;
      else s.pendingSince ??= options.now?.() ?? new Date();
      await saveState(tx, s, options.key);
    },
  };
}

/**
 * Writes a checkpoint for the events sealed but not yet in one, when the oldest has waited the
 * configured time (or always, with force: a bulk load's end). Safe from any process: the state row
 * is locked, so this and the sealer's own batches take turns.
 */
export async function sealPending(db: Db, options: SealOptions, force = false): Promise<SignedCheckpoint | undefined> {
  return db.transaction(async (tx) => {
    const s = await lockState(tx);
    const waiting = s.count - s.pendingFromCount;
    if (waiting === 0) return undefined;
    assertSameKey(s, options.key);
    assertNotRolledBack(s, options);
    const now = options.now?.() ?? new Date();
    if (!force && (!s.pendingSince || now.getTime() - s.pendingSince.getTime() < options.everySeconds * 1000)) return undefined;
    const pending = await takePending(tx, waiting);
    const checkpoint = await writeCheckpoint(tx, s, pending.ids, pending.leaves, v.merkleRoot(options.key.pub.hash, v.leafList(pending.leaves)), options);
    await saveState(tx, s, options.key);
    return checkpoint;
  });
}

/** Keeps time-based checkpoints coming in a process that runs the sealer. */
export class SealTicker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: SealOptions,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    const every = Math.max(200, Math.min(5000, (this.options.everySeconds * 1000) / 4));
    this.timer = setInterval(() => {
      this.running = sealPending(this.db, this.options).catch(this.onError);
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

