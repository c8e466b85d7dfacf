import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PostgresEventStore, type Db, type EventStore } from '@yuantrace/event-store';
import { newEvent } from '@yuantrace/event-store/contract/event-store-contract';
import { KurrentDbEventStore, KurrentDbProtocolSimulator } from '@yuantrace/event-store/kurrentdb';
import { ProjectionRunner } from '@yuantrace/projections';
import { dropSchema, openTestPg, openTestPglite, uniqueSchema } from '../../../test/support/databases';
import { exportAudit } from './audit-export';
import { SealKey } from './seal-key';
import { sealStatus, verifyLiveSeal, proofOf } from './seal-queries';
import { sealerProjection, sealPending, SealTicker, SEAL_PROJECTION, type SealOptions } from './sealer';
import { SealHasher } from './hasher/seal-hasher';
import type { SealProblemKind, SignedCheckpoint } from './verifier/yuantrace-verify';
import * as v from './verifier/yuantrace-verify';

/**
 * The sealed log against someone with write access to the database: each cheat is done by raw
 * SQL on the events table, as an operator could, and must be detected and named both by the live
 * check (`verify`) and by the standalone verifier on an exported bundle, run as its own process.
 */
const run = promisify(execFile);
const ED25519 = SealKey.parse(SealKey.generate('ed25519'));
const SM2 = SealKey.parse(SealKey.generate('sm2-sm3'));
const EVERY = 10;
const STREAMS = 12;
const PER_STREAM = 4; // 48 events: four full checkpoints of 10 and one of 8

const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

type Log = { db: Db; store: EventStore; options: SealOptions; close: () => Promise<void> };

async function sealedLog(backend: 'postgres' | 'embedded', key: SealKey = ED25519): Promise<Log> {
  let db: Db;
  if (backend === 'postgres') {
    const schema = uniqueSchema('seal');
    schemas.push(schema);
    db = await openTestPg(schema, 3);
  } else db = await openTestPglite();
  const store = await PostgresEventStore.create(db);
  for (let s = 0; s < STREAMS; s++) {
    const stream = `payment-P${s}`;
    for (let r = 0; r < PER_STREAM; r++) {
      await store.appendToStream(stream, [newEvent(r === 0 ? 'PaymentRequested' : 'PaymentApproved', { paymentId: `P${s}`, amount: `${100 + s}.00`, step: r })]);
    }
  }
  const options: SealOptions = { key, everyEvents: EVERY, everySeconds: 3600, logName: 'test' };
  await seal(store, db, options);
  return { db, store, options, close: () => db.close() };
}

/**
 * Waits until every committed event is in the global order. An event becomes readable there once no
 * older transaction is still open anywhere on the server (DESIGN.md §4), so while other suites write
 * to the same PostgreSQL an event appended a moment ago may not be visible yet: what a sealer then does
 * is seal it at its next run, but these tests read the seal at once. Events forged with a transaction
 * id from the future (at or beyond the snapshot's xmax) are never waited for.
 */
async function settle(db: Db, store?: EventStore) {
  if (store && !(store instanceof PostgresEventStore)) return; // KurrentDB orders its own log
  for (let i = 0; i < 500; i++) {
    const r = await db.query<{ waiting: boolean }>(`select exists (select 1 from events where transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
      and transaction_id < pg_snapshot_xmax(pg_current_snapshot())) as waiting`);
    if (!r.rows[0].waiting) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('events stayed out of the global order for 10 s');
}

async function seal(store: EventStore, db: Db, options: SealOptions) {
  await settle(db, store);
  const runner = new ProjectionRunner(store, db, [sealerProjection(options)]);
  await runner.catchUpTogether();
  await sealPending(db, options, true);
}

const pubFile = (key: SealKey) => {
  const file = join(mkdtempSync(join(tmpdir(), 'seal-key-')), 'public-key.json');
  writeFileSync(file, JSON.stringify(key.publicDocument()));
  return file;
};

/** The standalone verifier, as an auditor runs it: its own process, a bundle folder, a key file. */
async function standalone(log: Log, key: SealKey, extra: string[] = [], scope: { stream?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  await exportAudit(log.store, log.db, join(dir, 'b'), scope, log.options.key.publicDocument());
  try {
    const r = await run(process.execPath, [join(dir, 'b', 'yuantrace-verify.js'), join(dir, 'b'), '--key', pubFile(key), ...extra]);
    return { code: 0, out: r.stdout };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout + x.stderr };
  }
}

async function expectDetected(log: Log, kind: SealProblemKind, held?: SignedCheckpoint) {
  const live = await verifyLiveSeal(log.store, log.db, ED25519.pub, held);
  expect(live.ok).toBe(false);
  expect(live.problems[0].kind).toBe(kind);
  let extra: string[] = [];
  if (held) {
    const file = join(mkdtempSync(join(tmpdir(), 'held-')), 'checkpoint.json');
    writeFileSync(file, JSON.stringify({ checkpoint: held }));
    extra = ['--expect', file];
  }
  const outside = await standalone(log, ED25519, extra);
  expect(outside.code).toBe(1);
  expect(outside.out).toContain(`BAD ${kind}:`);
  return live.problems[0];
}

/** The checkpoints' bodies without the signing time, and the link to the previous checkpoint, which hashes that time too. */
const checkpointBodies = async (db: Db) => (await db.query<{ body: Record<string, unknown> }>('select body from seal_checkpoints order by no')).rows
  .map((r) => { const { sealedAt: _t, previous: _p, ...b } = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Record<string, unknown>; return b; });

/** The seal's tables dropped and its checkpoint forgotten, as an operator covering something up would. */
async function throwSealAway(db: Db) {
  await db.query('drop table seal_state');
  await db.query('drop table seal_checkpoints');
  await db.query('drop table seal_pending');
  await db.query('delete from projection_checkpoints where name = $1', [SEAL_PROJECTION]);
}

/** The n-th event in the global order, as the events table holds it (the text alias must not be what the rows are ordered by). */
const nth = async (db: Db, n: number) => {
  const row = (await db.query<{ global_position: unknown; tx: string; event_id: string }>(
    'select global_position, transaction_id::text as tx, event_id::text as event_id from events order by events.transaction_id, global_position offset $1 limit 1', [n])).rows[0];
  return { global_position: row.global_position, transaction_id: row.tx, event_id: row.event_id };
};

describe.each(['postgres', 'embedded'] as const)('the sealed log on %s', (backend) => {
  test('an untouched log verifies, live and from its bundle; checkpoints chain and cover every event once', async () => {
    const log = await sealedLog(backend);
    try {
      const status = await sealStatus(log.db);
      expect(status.sealed).toBe(STREAMS * PER_STREAM);
      expect(status.pending).toBe(0);
      expect(status.lastCheckpoint!.body).toMatchObject({ no: 5, count: 48, fromCount: 40, alg: 'ed25519', hash: 'sha256', keyId: ED25519.keyId });
      const live = await verifyLiveSeal(log.store, log.db, ED25519.pub, status.lastCheckpoint);
      expect(live).toMatchObject({ ok: true, eventsChecked: 48, checkpoints: 5, unsealed: 0 });
      const outside = await standalone(log, ED25519);
      expect(outside.code).toBe(0);
      expect(outside.out).toMatch(/^OK: 48 events checked against 5 checkpoints/);
      // New events after the last checkpoint are reported as not sealed yet, not as tampering.
      await log.store.appendToStream('payment-LATE', [newEvent('PaymentRequested', { amount: '1.00' })]);
      await settle(log.db);
      expect(await verifyLiveSeal(log.store, log.db, ED25519.pub)).toMatchObject({ ok: true, unsealed: 1 });
    } finally {
      await log.close();
    }
  });

  test('sealed a few events at a time (checkpoints cut inside batches, events waiting across them) or in one pass: the same checkpoints', async () => {
    const log = await sealedLog(backend);
    try {
      const onePass = await checkpointBodies(log.db);
      await throwSealAway(log.db);
      // A process that signed the first seal would refuse to sign again after its tables went back: a fresh one does it.
      await expect(new ProjectionRunner(log.store, log.db, [sealerProjection(log.options)], { batchSize: 3 }).catchUpTogether()).rejects.toThrow(/rolled back/);
      const fresh = { ...log.options };
      await log.db.query('delete from projection_checkpoints where name = $1', [SEAL_PROJECTION]);
      await log.db.query('delete from seal_pending');
      await log.db.query(`update seal_state set count = 0, position = '0.0', chain_head = $1, pending_from_count = 0, pending_from_position = '0.0', last_no = 0, last_link = $1`, ['0'.repeat(64)]);
      await new ProjectionRunner(log.store, log.db, [sealerProjection(fresh)], { batchSize: 3 }).catchUpTogether();
      expect((await sealStatus(log.db)).pending).toBe(8);
      await sealPending(log.db, fresh, true);
      expect(await checkpointBodies(log.db)).toEqual(onePass);
      expect(onePass.map((b) => b.count)).toEqual([10, 20, 30, 40, 48]);
    } finally {
      await log.close();
    }
  });

  test('hashed on the hashing thread (a catch-up\'s long runs, in slices) or in place: the same checkpoints, and the log verifies', async () => {
    const log = await sealedLog(backend);
    const hasher = new SealHasher({ threadFromEvents: 1, sliceEvents: 7 });
    try {
      const inPlace = await checkpointBodies(log.db);
      await throwSealAway(log.db);
      await hasher.started();
      const onThread = { ...log.options, hasher };
      // Each window is handed to the thread as soon as it is read (prepare), and its run then chains what the thread wrote.
      const runPrepared = hasher.runPrepared.bind(hasher);
      let prepared = 0;
      hasher.runPrepared = (w, spec) => {
        const answer = runPrepared(w, spec);
        if (answer) prepared++;
        return answer;
      };
      // Windows of 11: checkpoints of 10 fall inside slices of 7 and across windows.
      await new ProjectionRunner(log.store, log.db, [sealerProjection(onThread)], { batchSize: 11 }).catchUpTogether();
      await sealPending(log.db, onThread, true);
      expect(prepared).toBe(5);
      expect(await checkpointBodies(log.db)).toEqual(inPlace);
      expect(inPlace.map((b) => b.count)).toEqual([10, 20, 30, 40, 48]);
      expect(await verifyLiveSeal(log.store, log.db, ED25519.pub)).toMatchObject({ ok: true, eventsChecked: 48, checkpoints: 5 });
    } finally {
      await hasher.close();
      await log.close();
    }
  });

  test('one amount altered by raw SQL is named: the event, its number, the checkpoint that sealed it', async () => {
    const log = await sealedLog(backend);
    try {
      const target = await nth(log.db, 12);
      await log.db.query(`update events set data = jsonb_set(data, '{amount}', '"999999.00"') where global_position = $1`, [target.global_position]);
      const p = await expectDetected(log, 'altered');
      expect(p).toMatchObject({ eventId: target.event_id, sequence: 13, checkpoint: 2 });
    } finally {
      await log.close();
    }
  });

  test('one event deleted', async () => {
    const log = await sealedLog(backend);
    try {
      const target = await nth(log.db, 23);
      await log.db.query('delete from events where global_position = $1', [target.global_position]);
      expect(await expectDetected(log, 'deleted')).toMatchObject({ eventId: target.event_id, sequence: 24, checkpoint: 3 });
    } finally {
      await log.close();
    }
  });

  test('one event inserted into the sealed past (backdated into an old transaction)', async () => {
    const log = await sealedLog(backend);
    try {
      const before = await nth(log.db, 5);
      const id = randomUUID();
      await log.db.query(
        `insert into events (transaction_id, stream_id, stream_revision, event_id, event_type, data, metadata)
         values ($1::text::xid8, 'payment-FAKE', 0, $2, 'PaymentExecuted', '{"amount": "50000.00"}', '{}')`, [before.transaction_id, id]);
      const p = await expectDetected(log, 'inserted');
      expect(p.eventId).toBe(id);
      expect(p.checkpoint).toBeLessThanOrEqual(2);
    } finally {
      await log.close();
    }
  });

  test('two events swapped in the order', async () => {
    const log = await sealedLog(backend);
    try {
      const [a, b] = [await nth(log.db, 30), await nth(log.db, 33)];
      await log.db.query('update events set global_position = -1 where global_position = $1', [a.global_position]);
      await log.db.query('update events set global_position = $1, transaction_id = $2::text::xid8 where global_position = $3', [a.global_position, a.transaction_id, b.global_position]);
      await log.db.query('update events set global_position = $1, transaction_id = $2::text::xid8 where global_position = -1', [b.global_position, b.transaction_id]);
      expect(await expectDetected(log, 'reordered')).toMatchObject({ eventId: b.event_id, sequence: 31, checkpoint: 4 });
    } finally {
      await log.close();
    }
  });

  test('an altered log re-sealed with another key: every checkpoint is named as signed by another key', async () => {
    const log = await sealedLog(backend);
    try {
      const target = await nth(log.db, 3);
      await log.db.query(`update events set data = jsonb_set(data, '{amount}', '"1.00"') where global_position = $1`, [target.global_position]);
      // What an operator would do to cover it up: throw the seal away and seal again with a key of their own.
      await throwSealAway(log.db);
      const forger = SealKey.parse(SealKey.generate('ed25519'));
      await seal(log.store, log.db, { ...log.options, key: forger });
      // Internally consistent under the forger's key…
      expect((await verifyLiveSeal(log.store, log.db, forger.pub)).ok).toBe(true);
      // …but not under the key the auditor trusts.
      const outside = await standalone(log, ED25519);
      expect(outside.code).toBe(1);
      expect(outside.out).toContain('BAD foreign_key: checkpoint 1 is signed by another key');
      expect((await verifyLiveSeal(log.store, log.db, ED25519.pub)).problems[0].kind).toBe('foreign_key');
    } finally {
      await log.close();
    }
  });

  test('the tail cut after a checkpoint: named from the seal, and from a checkpoint held outside when the seal is cut too', async () => {
    const log = await sealedLog(backend);
    try {
      const held = (await sealStatus(log.db)).lastCheckpoint!;
      const from = await nth(log.db, 42);
      await log.db.query('delete from events where (transaction_id, global_position) >= ($1::text::xid8, $2::bigint)', [from.transaction_id, from.global_position]);
      expect(await expectDetected(log, 'truncated')).toMatchObject({ sequence: 43, eventId: from.event_id });
      // Cut the last checkpoint too, and the state with it: the log and its seal agree again,
      // but the checkpoint handed out earlier (GET /checkpoints/latest, a printed notice) is gone.
      await log.db.query('delete from seal_checkpoints where no = 5');
      expect((await verifyLiveSeal(log.store, log.db, ED25519.pub)).ok).toBe(true);
      const p = await expectDetected(log, 'truncated', held);
      expect(p.message).toContain('the checkpoint you hold (no. 5');
    } finally {
      await log.close();
    }
  });

  test('a checkpoint altered in the seal tables, or a seal record, fails its signature or its Merkle root', async () => {
    const log = await sealedLog(backend);
    try {
      await log.db.query(`update seal_checkpoints set body = jsonb_set(body, '{count}', '21') where no = 2`);
      expect(await expectDetected(log, 'bad_signature')).toMatchObject({ checkpoint: 2 });
      await log.db.query(`update seal_checkpoints set body = jsonb_set(body, '{count}', '20') where no = 2`);
      // One bit of one leaf hash flipped (whatever the byte was).
      await log.db.query(`update seal_checkpoints set leaves = set_byte(leaves, 4, get_byte(leaves, 4) # 1) where no = 3`);
      expect(await expectDetected(log, 'seal_records_altered')).toMatchObject({ checkpoint: 3 });
    } finally {
      await log.close();
    }
  });

  test('a sealed event altered and given a new id is no "unsealed" event in a stream bundle: it lies in the sealed range without a proof', async () => {
    const log = await sealedLog(backend);
    try {
      const [event] = await log.store.readStream('payment-P1', { fromRevision: 1n, maxCount: 1 });
      await log.db.query(`update events set data = jsonb_set(data, '{amount}', '"999999.00"'), event_id = $1 where event_id = $2`, [randomUUID(), event.id]);
      const outside = await standalone(log, ED25519, [], { stream: 'payment-P1' });
      expect(outside.code).toBe(1);
      expect(outside.out).toContain('BAD inserted:');
    } finally {
      await log.close();
    }
  });

  test('an event hidden from the global order (a transaction id from the future) but read by its stream is named by the revisions it skips', async () => {
    const log = await sealedLog(backend);
    try {
      // Forged revision 4 of payment-P2: a stream read (the command side) sees it, a reader of the global order never does.
      await log.db.query(
        `insert into events (transaction_id, stream_id, stream_revision, event_id, event_type, data, metadata)
         values ('4611686018427387904'::xid8, 'payment-P2', 4, $1, 'PaymentApproved', '{"amount": "50000.00"}', '{}')`, [randomUUID()]);
      await log.store.appendToStream('payment-P2', [newEvent('PaymentExecuted', { amount: '102.00' })]);
      await seal(log.store, log.db, { ...log.options });
      const live = await verifyLiveSeal(log.store, log.db, ED25519.pub);
      expect(live.problems[0]).toMatchObject({ kind: 'deleted' });
      expect(live.problems[0].message).toContain('stream payment-P2 goes from revision 3 to 5');
      const outside = await standalone(log, ED25519);
      expect(outside.code).toBe(1);
      expect(outside.out).toContain('BAD deleted: stream payment-P2 goes from revision 3 to 5');
    } finally {
      await log.close();
    }
  });

  test('an event proof climbs to the signed root; an event altered since does not', async () => {
    const log = await sealedLog(backend);
    try {
      const [event] = await log.store.readStream('payment-P7', { fromRevision: 2n, maxCount: 1 });
      const found = await proofOf(log.db, event);
      if (typeof found === 'string') throw new Error(found);
      expect(v.verifyProofDocument(ED25519.pub, found).ok).toBe(true);
      const altered = { ...found, event: { ...found.event, data: { ...found.event.data as object, amount: '0.01' } } };
      expect(v.verifyProofDocument(ED25519.pub, altered).problems[0].kind).toBe('altered');
      expect(v.verifyProofDocument(SM2.pub, found).problems[0].kind).toBe('foreign_key');
      // A stream's bundle carries proofs instead of the whole log, and checks the same way.
      const outside = await standalone(log, ED25519, [], { stream: 'payment-P7' });
      expect(outside.out).toMatch(/^OK: 4 events checked/);
    } finally {
      await log.close();
    }
  });

  test('the sealer will not seal a position twice, nor continue a seal begun by another key', async () => {
    const log = await sealedLog(backend);
    try {
      await log.store.appendToStream('payment-NEXT', [newEvent('PaymentRequested', { amount: '2.00' })]);
      await settle(log.db);
      const other = SealKey.parse(SealKey.generate('ed25519'));
      await expect(new ProjectionRunner(log.store, log.db, [sealerProjection({ ...log.options, key: other })]).catchUpTogether()).rejects.toThrow(/begun with key/);
      await log.db.query('delete from projection_checkpoints where name = $1', [SEAL_PROJECTION]);
      await expect(new ProjectionRunner(log.store, log.db, [sealerProjection(log.options)]).catchUpTogether()).rejects.toThrow(/refusing to seal/);
      await expect(new ProjectionRunner(log.store, log.db, [sealerProjection(log.options)]).rebuild(SEAL_PROJECTION)).rejects.toThrow(/never rebuilt/);
    } finally {
      await log.close();
    }
  });
});

describe('two sealing processes on one PostgreSQL database', () => {
  test('one seals while the other stands by, their tickers take turns on the state row: every event sealed once, checkpoints in sequence', async () => {
    const schema = uniqueSchema('seal2');
    schemas.push(schema);
    // Two pools and two runners: to the database, two processes (advisory locks and row locks are per connection).
    const [dbA, dbB] = [await openTestPg(schema, 4), await openTestPg(schema, 4)];
    const [storeA, storeB] = [await PostgresEventStore.create(dbA), await PostgresEventStore.create(dbB)];
    const options = (): SealOptions => ({ key: ED25519, everyEvents: 7, everySeconds: 1, logName: 'two' });
    const [optA, optB] = [options(), options()];
    const runners = [new ProjectionRunner(storeA, dbA, [sealerProjection(optA)], { idleMs: 10, lockRetryMs: 50 }),
      new ProjectionRunner(storeB, dbB, [sealerProjection(optB)], { idleMs: 10, lockRetryMs: 50 })];
    const tickers = [new SealTicker(dbA, optA, (e) => { throw e; }), new SealTicker(dbB, optB, (e) => { throw e; })];
    try {
      // Started one after the other: CREATE TABLE IF NOT EXISTS is not safe against itself in PostgreSQL.
      for (const r of runners) await r.start();
      tickers.forEach((t) => t.start());
      // Both processes write too, concurrently (each event a stream of its own: two appends racing for one
      // stream's next revision are a conflict a command would retry, not what this test is about).
      await Promise.all(Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? storeA : storeB).appendToStream(`payment-T${i}`, [newEvent('PaymentRequested', { amount: `${i}.00` })])));
      // The active runner's sealer reads at its pace; waiting for it to catch up hurries it.
      await Promise.all(runners.map((r) => r.waitUntilCaughtUp()));
      // Both force the last checkpoint at once: one signs it, the other finds nothing waiting.
      const forced = await Promise.all([sealPending(dbA, optA, true), sealPending(dbB, optB, true)]);
      expect(forced.filter(Boolean).length).toBeLessThanOrEqual(1);
      const status = await sealStatus(dbA);
      expect(status).toMatchObject({ sealed: 40, pending: 0 });
      const report = await verifyLiveSeal(storeA, dbA, ED25519.pub);
      expect(report).toMatchObject({ ok: true, eventsChecked: 40, unsealed: 0 });
      expect(report.checkpoints).toBe(status.lastCheckpoint!.body.no);
    } finally {
      await Promise.all(tickers.map((t) => t.stop()));
      await Promise.all(runners.map((r) => r.stop()));
      await dbA.close();
      await dbB.close();
    }
  });
});

describe('time-based checkpoints', () => {
  test('count from when the oldest waiting event was recorded, not from when the sealer (which reads at its pace) chained it', async () => {
    const db = await openTestPglite();
    try {
      const store = await PostgresEventStore.create(db);
      const options: SealOptions = { key: ED25519, everyEvents: 1000, everySeconds: 3600, logName: 'time' };
      const sealNow = () => new ProjectionRunner(store, db, [sealerProjection(options)]).catchUpTogether();
      await store.appendToStream('payment-OLD', [newEvent('PaymentRequested', { amount: '1.00' }), newEvent('PaymentApproved', { amount: '1.00' })]);
      // Recorded two hours before the sealer first reads them (changed before sealing, so the seal holds them as they stand).
      await db.query(`update events set recorded_at = recorded_at - interval '2 hours'`);
      await sealNow();
      expect(await sealStatus(db)).toMatchObject({ sealed: 2, pending: 2 });
      // Chained just now, but they have waited two hours: a checkpoint is due at once.
      expect((await sealPending(db, options))?.body).toMatchObject({ no: 1, count: 2 });
      // An event recorded now waits its hour.
      await store.appendToStream('payment-NEW', [newEvent('PaymentRequested', { amount: '2.00' })]);
      await sealNow();
      expect(await sealStatus(db)).toMatchObject({ sealed: 3, pending: 1 });
      expect(await sealPending(db, options)).toBeUndefined();
      expect((await verifyLiveSeal(store, db, ED25519.pub)).ok).toBe(true);
    } finally {
      await db.close();
    }
  });
});

describe('SM2 with SM3 (国密) sealing', () => {
  test('checkpoints signed with SM2 over SM3 chains verify, and an altered amount is named', async () => {
    const log = await sealedLog('embedded', SM2);
    try {
      const status = await sealStatus(log.db);
      expect(status.lastCheckpoint!.body).toMatchObject({ alg: 'sm2-sm3', hash: 'sm3', keyId: SM2.keyId });
      expect(status.publicKey).toEqual(SM2.publicDocument());
      expect((await verifyLiveSeal(log.store, log.db, SM2.pub)).ok).toBe(true);
      expect((await standalone(log, SM2)).code).toBe(0);
      const target = await nth(log.db, 17);
      await log.db.query(`update events set data = jsonb_set(data, '{amount}', '"7.00"') where global_position = $1`, [target.global_position]);
      const live = await verifyLiveSeal(log.store, log.db, SM2.pub);
      expect(live.problems[0]).toMatchObject({ kind: 'altered', eventId: target.event_id });
      expect((await standalone(log, SM2)).out).toContain('BAD altered:');
      expect((await standalone(log, ED25519)).out).toContain('BAD foreign_key:');
    } finally {
      await log.close();
    }
  });
});

describe('the sealer over KurrentDB $all (protocol simulator)', () => {
  test('seals the global order of a KurrentDB log the same way, read models in PostgreSQL', async () => {
    const simulator = new KurrentDbProtocolSimulator();
    const { url } = await simulator.start();
    const schema = uniqueSchema('sealk');
    schemas.push(schema);
    const db = await openTestPg(schema, 3);
    const store = await KurrentDbEventStore.connect(url);
    try {
      for (let s = 0; s < 5; s++) await store.appendToStream(`payment-K${s}`, [newEvent('PaymentRequested', { amount: `${s}.00` }), newEvent('PaymentApproved', { s })]);
      const options: SealOptions = { key: ED25519, everyEvents: 4, everySeconds: 3600, logName: 'kurrent' };
      await seal(store, db, options);
      const status = await sealStatus(db);
      expect(status).toMatchObject({ sealed: 10, pending: 0 });
      expect(status.lastCheckpoint!.body.no).toBe(3);
      expect(await verifyLiveSeal(store, db, ED25519.pub)).toMatchObject({ ok: true, eventsChecked: 10 });
      const outside = await standalone({ db, store, options, close: async () => undefined }, ED25519);
      expect(outside.out).toMatch(/^OK: 10 events checked against 3 checkpoints/);
    } finally {
      await store.close();
      await db.close();
      await simulator.stop();
    }
  });
});
