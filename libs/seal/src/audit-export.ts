import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { comparePositions, readAllInBatches, type EventStore, type RecordedEvent, type SqlExecutor } from '@yuantrace/event-store';
import { unitPrefix } from '@yuantrace/read-models';
import { proofsFor, storedCheckpoints } from './seal-queries';
import { walkedFields } from './sealer';
import type { PublicKeyDocument } from './verifier/yuantrace-verify';
import * as v from './verifier/yuantrace-verify';

export const VERIFIER_FILE = join(__dirname, 'verifier', 'yuantrace-verify.js');

export type AuditScope = { stream?: string; unit?: string };

export type AuditExport = { dir: string; scope: string; events: number; checkpoints: number; proofs: number };

const README = (scope: string, pub: PublicKeyDocument) => `yuantrace audit bundle — ${scope}

Check it with nothing but Node.js 20 and the verifier in this folder (read it first: one file,
no packages, no database):

  node yuantrace-verify.js . --key PUBLIC_KEY_FILE [--expect CHECKPOINT_FILE]

Take PUBLIC_KEY_FILE from the ledger's operator through a channel you trust (GET
/checkpoints/public-key, a letter), not from this folder: public-key.json here is a copy for
comparison only (key id ${pub.keyId}, ${pub.alg}). CHECKPOINT_FILE is a checkpoint you obtained
earlier (GET /checkpoints/latest, a printed 公示 notice); the log must still contain it.

Files: manifest.json (what was exported), events.jsonl (one event per line, the sealed fields),
checkpoints.jsonl (every signed checkpoint), ${scope === 'whole log' ? 'seals.jsonl (the event ids and leaf hashes each checkpoint covers)' : 'proofs.jsonl (each event\'s inclusion proof)'}.
The formats are described at the top of yuantrace-verify.js.
`;

/** Writes lines through a file descriptor in chunks: an export of millions of events is streamed, not held. */
class LineFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  constructor(file: string) {
    this.fd = openSync(file, 'w');
  }
  write(line: string) {
    this.buffer.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush() {
    if (this.buffer.length) writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * The bundle an outside auditor verifies: the events (all of them, or one stream's, or one
 * region's), every signed checkpoint, and either the seal records (whole log) or each event's
 * inclusion proof (part of it), with the standalone verifier and a README.
 */
export async function exportAudit(store: EventStore, q: SqlExecutor, dir: string, scope: AuditScope, pub: PublicKeyDocument,
  onProgress?: (n: number) => void): Promise<AuditExport> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: export into a new folder`);
  const label = scope.stream ? `stream ${scope.stream}` : scope.unit ? `unit ${scope.unit}` : 'whole log';
  const checkpointsFile = new LineFile(join(dir, 'checkpoints.jsonl'));
  const seals = scope.stream || scope.unit ? undefined : new LineFile(join(dir, 'seals.jsonl'));
  let checkpoints = 0;
  for await (const cp of storedCheckpoints(q)) {
    checkpointsFile.write(JSON.stringify({ body: cp.body, signature: cp.signature }));
    seals?.write(JSON.stringify({ checkpoint: cp.body.no, ids: cp.ids, leaves: cp.leaves.map((l) => l.toString('hex')) }));
    checkpoints++;
  }
  checkpointsFile.close();
  seals?.close();
  const eventsFile = new LineFile(join(dir, 'events.jsonl'));
  let events = 0;
  let proofs = 0;
  if (seals) {
    for await (const batch of readAllInBatches(store)) {
      for (const e of batch) eventsFile.write(v.canonicalJson(walkedFields(e)));
      events += batch.length;
      onProgress?.(events);
    }
  } else {
    const streams = scope.stream ? [scope.stream] : await streamsOfUnit(q, scope.unit!);
    const chosen: RecordedEvent[] = [];
    for (const s of streams) chosen.push(...(await store.readStream(s)));
    chosen.sort((a, b) => comparePositions(a.position, b.position));
    const proofFile = new LineFile(join(dir, 'proofs.jsonl'));
    const found = await proofsFor(q, chosen);
    for (const e of chosen) {
      eventsFile.write(v.canonicalJson(walkedFields(e)));
      const p = found.get(e.id);
      if (p) proofFile.write(JSON.stringify(p));
    }
    proofFile.close();
    events = chosen.length;
    proofs = found.size;
  }
  eventsFile.close();
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    scope: label,
    ...(scope.stream ? { stream: scope.stream } : {}),
    ...(scope.unit ? { unit: scope.unit } : {}),
    // A part of the log is whole streams: a gap in a stream's revisions is a deleted event.
    wholeStreams: label !== 'whole log',
    events,
    checkpoints,
    exportedAt: new Date().toISOString(),
    keyId: pub.keyId,
    alg: pub.alg,
  }, null, 2) + '\n');
  writeFileSync(join(dir, 'public-key.json'), JSON.stringify(pub, null, 2) + '\n');
  copyFileSync(VERIFIER_FILE, join(dir, 'yuantrace-verify.js'));
  writeFileSync(join(dir, 'README.txt'), README(label, pub));
  return { dir, scope: label, events, checkpoints, proofs };
}

/** The streams placed in a region (the unit or below it), as the audit log places them. */
async function streamsOfUnit(q: SqlExecutor, unit: string): Promise<string[]> {
  if (!/^[0-9]{12}$/.test(unit)) throw new Error(`--unit takes an administrative unit code (got "${unit}")`);
  const prefix = unitPrefix(unit);
  const r = await q.query<{ stream_id: string }>('select stream_id from rm_event_stream_units where unit_code like $1 order by stream_id', [`${prefix}%`]);
  return r.rows.map((x) => x.stream_id);
}
