import { comparePositions, formatPosition, parsePosition, readAllInBatches, type EventStore, type GlobalPosition, type RecordedEvent, type SqlExecutor } from '@yuantrace/event-store';
import { bytes, canonicalOf, uuidText, walkedFields } from './sealer';
import * as v from './verifier/yuantrace-verify';
import type { InclusionProof, PublicKeyDocument, PublicKeyInfo, SealedRange, SealReport, SignedCheckpoint, WalkedEvent } from './verifier/yuantrace-verify';


const exists = async (q: SqlExecutor, table: string) =>
  (await q.query<{ t: string | null }>('select to_regclass($1)::text as t', [table])).rows[0]?.t != null;

export type SealStatus = { sealing: boolean; sealed: number; pending: number; position: string; lastCheckpoint?: SignedCheckpoint;
  /** The public half of the key the seal was made with, as the sealer recorded it (public information; an auditor takes theirs from elsewhere). */
  publicKey?: PublicKeyDocument };

/** The newest checkpoint signed by an instant (a knownAt read: what a notice printed then carried), or now. */
export async function latestCheckpoint(q: SqlExecutor, knownAt?: Date): Promise<SignedCheckpoint | undefined> {
  if (!(await exists(q, 'seal_checkpoints'))) return undefined;
  const r = await q.query<{ body: unknown; signature: string }>(
    'select body, signature from seal_checkpoints where sealed_at <= coalesce($1::timestamptz, sealed_at) order by no desc limit 1', [knownAt ?? null]);
  return r.rows[0] ? toCheckpoint(r.rows[0]) : undefined;
}

/** The newest signed checkpoint and how far the seal has got (no tables yet: nothing sealed). */
export async function sealStatus(q: SqlExecutor): Promise<SealStatus> {
  if (!(await exists(q, 'seal_state'))) return { sealing: false, sealed: 0, pending: 0, position: '0.0' };
  const s = (await q.query<{ count: unknown; position: string; pending: unknown; key_id: string | null; public_key: string | null }>(
    'select count, position, count - pending_from_count as pending, key_id, public_key from seal_state where id = 1')).rows[0];
  const last = await latestCheckpoint(q);
  return {
    sealing: Boolean(s?.key_id),
    sealed: Number(s?.count ?? 0),
    pending: Number(s?.pending ?? 0),
    position: s?.position ?? '0.0',
    ...(last ? { lastCheckpoint: last } : {}),
    ...(s?.public_key ? { publicKey: JSON.parse(s.public_key) as PublicKeyDocument } : {}),
  };
}

const toCheckpoint = (row: { body: unknown; signature: string }): SignedCheckpoint => ({
  body: (typeof row.body === 'string' ? JSON.parse(row.body) : row.body) as SignedCheckpoint['body'],
  signature: row.signature,
});

export type StoredCheckpoint = SignedCheckpoint & SealedRange;

/** Every checkpoint in order, with the ids and leaf hashes it covers. */
export async function* storedCheckpoints(q: SqlExecutor, from = 1, pageSize = 200): AsyncGenerator<StoredCheckpoint> {
  if (!(await exists(q, 'seal_checkpoints'))) return;
  for (let after = from - 1; ;) {
    const r = await q.query<{ no: number; body: unknown; signature: string; ids: unknown; leaves: unknown }>(
      'select no, body, signature, ids, leaves from seal_checkpoints where no > $1 order by no limit $2', [after, pageSize]);
    for (const row of r.rows) yield { ...toCheckpoint(row), ...unpack(bytes(row.ids), bytes(row.leaves)) };
    if (r.rows.length < pageSize) return;
    after = Number(r.rows[r.rows.length - 1].no);
  }
}

function unpack(ids: Buffer, leaves: Buffer): SealedRange {
  const out: SealedRange = { ids: [], leaves: [] };
  for (let i = 0; i * 16 < ids.length; i++) out.ids.push(uuidText(ids.subarray(i * 16, i * 16 + 16)));
  out.leaves = v.leafList(leaves);
  return out;
}

/** The checkpoint whose range holds a position (the first whose end is at or after it), if one has sealed it yet. */
async function checkpointCovering(q: SqlExecutor, position: GlobalPosition): Promise<StoredCheckpoint | undefined> {
  if (!(await exists(q, 'seal_checkpoints'))) return undefined;
  const r = await q.query<{ body: unknown; signature: string; ids: unknown; leaves: unknown }>(
    `select body, signature, ids, leaves from seal_checkpoints where (to_commit, to_prepare) >= ($1::bigint, $2::bigint)
     order by to_commit, to_prepare limit 1`, [position.commit.toString(), position.prepare.toString()]);
  const row = r.rows[0];
  return row ? { ...toCheckpoint(row), ...unpack(bytes(row.ids), bytes(row.leaves)) } : undefined;
}

export type EventProof = {
  /** The event as sealed (the verifier's canonical fields). */
  event: ReturnType<typeof walkedFields>;
  leafHash: string;
  proof: InclusionProof;
  checkpoint: SignedCheckpoint;
};

/**
 * An event's inclusion proof up to the checkpoint that sealed it: the path is built from the
 * sealed leaf hashes (which the signed Merkle root fixes), the event from the live log, so an event
 * altered since it was sealed yields a proof that does not verify. undefined: not sealed yet.
 */
export async function proofOf(q: SqlExecutor, event: RecordedEvent): Promise<EventProof | 'not_sealed' | 'not_in_seal'> {
  const cp = await checkpointCovering(q, event.position);
  if (!cp) return 'not_sealed';
  const index = cp.ids.indexOf(event.id);
  if (index < 0) return 'not_in_seal';
  const hash = cp.body.hash;
  return {
    event: walkedFields(event),
    leafHash: v.leafHash(hash, canonicalOf(event)).toString('hex'),
    proof: {
      eventId: event.id,
      checkpoint: cp.body.no,
      index,
      treeSize: cp.leaves.length,
      path: v.inclusionPath(hash, cp.leaves, index).map((b) => b.toString('hex')),
    },
    checkpoint: { body: cp.body, signature: cp.signature },
  };
}

/** Many proofs at once (an export): each checkpoint's leaves are read once. */
export async function proofsFor(q: SqlExecutor, events: readonly RecordedEvent[]): Promise<Map<string, InclusionProof>> {
  const proofs = new Map<string, InclusionProof>();
  const cache = new Map<number, StoredCheckpoint>();
  for (const e of events) {
    let cp = [...cache.values()].find((c) => positionWithin(e.position, c));
    if (!cp) {
      cp = await checkpointCovering(q, e.position);
      if (!cp) continue;
      cache.set(cp.body.no, cp);
    }
    const index = cp.ids.indexOf(e.id);
    if (index < 0) continue;
    proofs.set(e.id, { eventId: e.id, checkpoint: cp.body.no, index, treeSize: cp.leaves.length,
      path: v.inclusionPath(cp.body.hash, cp.leaves, index).map((b) => b.toString('hex')) });
  }
  return proofs;
}

const positionWithin = (p: GlobalPosition, cp: StoredCheckpoint) =>
  comparePositions(p, parsePosition(cp.body.fromPosition)!) > 0 && comparePositions(p, parsePosition(cp.body.position)!) <= 0;

/** The live log in global order, as the verifier walks it. */
export async function* walkLog(store: EventStore, batchSize = 5000, onProgress?: (n: number) => void): AsyncGenerator<WalkedEvent> {
  let n = 0;
  for await (const batch of readAllInBatches(store, batchSize)) {
    for (const e of batch) {
      yield { canonical: canonicalOf(e), id: e.id, stream: e.streamId, revision: e.revision.toString(), position: formatPosition(e.position) };
    }
    n += batch.length;
    onProgress?.(n);
  }
}

/**
 * The live log against its signed checkpoints, with the verifier's own code: the first event
 * altered, deleted, inserted or moved since it was sealed is named, as are checkpoints signed by
 * another key or missing. `held`: a checkpoint obtained earlier, which must still be there.
 */
export async function verifyLiveSeal(store: EventStore, q: SqlExecutor, pub: PublicKeyInfo, held?: SignedCheckpoint,
  onProgress?: (n: number) => void): Promise<SealReport> {
  const checkpoints: SignedCheckpoint[] = [];
  const sealed = new Map<number, SealedRange>();
  for await (const cp of storedCheckpoints(q)) {
    checkpoints.push({ body: cp.body, signature: cp.signature });
    sealed.set(cp.body.no, { ids: cp.ids, leaves: cp.leaves });
  }
  return v.verifyFullLog(pub, checkpoints, sealed, walkLog(store, 5000, onProgress), held);
}

