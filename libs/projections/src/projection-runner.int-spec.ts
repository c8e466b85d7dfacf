import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { join } from 'node:path';
import { comparePositions, PostgresEventStore, untilVisibleToHead, type PgDb, type RecordedEvent, type SqlExecutor } from '@yuantrace/event-store';
import { newEvent, waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { ProjectionRunner, readCheckpoint } from '@yuantrace/projections';
import { dropSchema, openTestPg, TEST_DATABASE_URL, uniqueSchema } from '../../../test/support/databases';
import { tallyProjection } from '../../../test/fixtures/tally-projection';

const ROOT = join(__dirname, '../../..');

function startProjector(schema: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'test/fixtures/projector-child.ts'], {
    cwd: ROOT,
    env: { ...process.env, TEST_DATABASE_URL, TEST_SCHEMA: schema, SLOW_MS: '30', BATCH_SIZE: '40', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => String(d).includes('started') && resolve(child));
    child.on('exit', (code) => code !== null && code !== 0 && reject(new Error(`projector exited ${code}: ${err}`)));
  });
}

const tally = async (db: PgDb) =>
  (await db.query<{ stream_id: string; events: string; max_revision: string; ids: string }>(
    'select stream_id, events::text, max_revision::text, ids from test_tally order by stream_id',
  )).rows;

/** Runs fn against a store in a schema of its own, dropped afterwards. */
async function inOwnSchema(fn: (db: PgDb, store: PostgresEventStore) => Promise<void>): Promise<void> {
  const schema = uniqueSchema('proj');
  const db = await openTestPg(schema);
  try {
    await fn(db, await PostgresEventStore.create(db));
  } finally {
    await db.close();
    await dropSchema(schema);
  }
}

/** Waits until readers see everything committed so far: another test file's transaction in the same database can hold visibility back. */
const visibleToHead = (store: PostgresEventStore) => untilVisibleToHead(store);

describe('projection runner on a PostgreSQL server', () => {
  const schema = uniqueSchema('proj');
  let db: PgDb;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await openTestPg(schema);
    store = await PostgresEventStore.create(db);
  });
  afterAll(async () => {
    await db.close();
    await dropSchema(schema);
  });

  test('a projector killed with SIGKILL mid-batch and restarted leaves the read model equal to a full rebuild', async () => {
    for (let s = 0; s < 20; s++) {
      await store.appendToStream(`project-k${s}`, Array.from({ length: 30 }, (_, i) => newEvent('Tick', { i })));
    }
    // The last event committed, not the last one visible yet: another test file's transaction in the
    // same database can hold visibility back, and a stale target would never be met exactly.
    const last = (await store.headPosition())!;
    const first = await startProjector(schema);
    // Kill it once it has committed some batches but not all of them.
    await waitFor(async () => {
      const r = await db.query<{ n: string }>(`select coalesce(max(events_applied), 0)::text as n from projection_checkpoints where name = 'test_tally'`).catch(() => ({ rows: [{ n: '0' }] }));
      return Number(r.rows[0]?.n ?? 0) >= 120;
    }, 120_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const mid = await readCheckpoint(db, 'test_tally');
    expect(comparePositions(mid, last)).toBeLessThan(0);

    const second = await startProjector(schema);
    try {
      await waitFor(async () => comparePositions(await readCheckpoint(db, 'test_tally'), last) >= 0, 120_000);
    } finally {
      second.kill('SIGKILL');
      await new Promise((r) => second.once('exit', r));
    }
    const afterCrash = await tally(db);
    expect(afterCrash).toHaveLength(20);
    expect(afterCrash.every((r) => r.events === '30' && r.max_revision === '29')).toBe(true);

    const runner = new ProjectionRunner(store, db, [tallyProjection()]);
    const applied = await runner.rebuild('test_tally');
    expect(applied).toBe(600);
    expect(await tally(db)).toEqual(afterCrash);
    // Two projector processes start here, each compiling its TypeScript first, while other test
    // files load the same two cores: the waits are bounds on a stall, not measures of speed.
  }, 300_000);

  test('one active runner per projection: a second runner stands by until the first stops', async () => {
    const s2 = uniqueSchema('proj');
    const db2 = await openTestPg(s2);
    const store2 = await PostgresEventStore.create(db2);
    const a = new ProjectionRunner(store2, db2, [tallyProjection()], { idleMs: 10, lockRetryMs: 50 });
    const b = new ProjectionRunner(store2, db2, [tallyProjection()], { idleMs: 10, lockRetryMs: 50 });
    try {
      await a.start();
      await waitFor(async () => (await a.status())[0].state === 'running');
      await b.start();
      await waitFor(async () => (await b.status())[0].state === 'standby');
      await store2.appendToStream('project-x', [newEvent(), newEvent()]);
      await a.waitUntilCaughtUp();
      await a.stop();
      await store2.appendToStream('project-x', [newEvent()]);
      await waitFor(async () => (await b.status())[0].state === 'running', 10_000);
      await b.waitUntilCaughtUp();
      expect(await tally(db2)).toEqual([expect.objectContaining({ stream_id: 'project-x', events: '3', max_revision: '2' })]);
      expect((await b.status())[0].lag).toBe('0');
    } finally {
      await a.stop();
      await b.stop();
      await db2.close();
      await dropSchema(s2);
    }
  });

  test('runners of the same projection in two schemas of one database do not block each other', async () => {
    const [sa, sb] = [uniqueSchema('proj'), uniqueSchema('proj')];
    const [da, dbb] = [await openTestPg(sa), await openTestPg(sb)];
    const [a, b] = [new ProjectionRunner(await PostgresEventStore.create(da), da, [tallyProjection()], { idleMs: 10, lockRetryMs: 50 }),
      new ProjectionRunner(await PostgresEventStore.create(dbb), dbb, [tallyProjection()], { idleMs: 10, lockRetryMs: 50 })];
    try {
      await a.start();
      await b.start();
      await waitFor(async () => (await a.status())[0].state === 'running' && (await b.status())[0].state === 'running', 10_000);
    } finally {
      await a.stop();
      await b.stop();
      await da.close();
      await dbb.close();
      await dropSchema(sa);
      await dropSchema(sb);
    }
  });

  test('a checkpoint moved by someone else refuses the batch: nothing is applied twice', async () => {
    const s3 = uniqueSchema('proj');
    const db3 = await openTestPg(s3);
    const store3 = await PostgresEventStore.create(db3);
    try {
      const runner = new ProjectionRunner(store3, db3, [tallyProjection()]);
      await runner.setup();
      await store3.appendToStream('project-f', [newEvent(), newEvent()]);
      await waitFor(async () => (await store3.readAll()).length === 2);
      const [e1, e2] = await store3.readAll();
      const { advanceCheckpoint } = await import('./checkpoints');
      await db3.transaction((tx) => advanceCheckpoint(tx, 'test_tally', { commit: 0n, prepare: 0n }, e1.position, 1));
      await expect(db3.transaction((tx) => advanceCheckpoint(tx, 'test_tally', { commit: 0n, prepare: 0n }, e2.position, 1))).rejects.toThrow(
        /moved by another runner/,
      );
      expect(await readCheckpoint(db3, 'test_tally')).toEqual(e1.position);
    } finally {
      await db3.close();
      await dropSchema(s3);
    }
  });

  test('catching up together reads each batch once for projections at different checkpoints; rebuildAll gives the same tables', async () => {
    const s4 = uniqueSchema('proj');
    const db4 = await openTestPg(s4);
    const store4 = await PostgresEventStore.create(db4);
    try {
      const read = (name: string) => db4.query<{ stream_id: string; events: string; max_revision: string }>(`select stream_id, events::text, max_revision::text from ${name} order by stream_id`).then((r) => r.rows);
      for (let s = 0; s < 10; s++) await store4.appendToStream(`project-t${s}`, Array.from({ length: 10 }, (_, i) => newEvent('Tick', { i })));
      const early = new ProjectionRunner(store4, db4, [tallyProjection(0, 'tally_a'), tallyProjection(0, 'tally_b')], { batchSize: 40 });
      await early.setup();
      await early.rebuild('tally_a'); // a is at event 100, b has seen nothing
      for (let s = 0; s < 15; s++) await store4.appendToStream(`project-t${s}`, Array.from({ length: 10 }, (_, i) => newEvent('Tick', { i })));
      await waitFor(async () => (await store4.countAfter({ commit: 0n, prepare: 0n })) === 250n);
      // The real store, with its readAll calls counted.
      let reads = 0;
      const counting = Object.create(store4) as PostgresEventStore;
      counting.readAll = (o) => {
        reads++;
        return store4.readAll(o);
      };
      // One lane: two lanes would each read the log for their own projections.
      const runner = new ProjectionRunner(counting, db4, [tallyProjection(0, 'tally_a'), tallyProjection(0, 'tally_b')], { batchSize: 40, lanes: 1 });
      expect(await runner.catchUpTogether()).toBe(250);
      expect(reads).toBe(Math.ceil(250 / 40) + 1);
      // The pass names the time each projection spent: both applied events in it.
      expect([...runner.lastPassMs.keys()].sort()).toEqual(['tally_a', 'tally_b']);
      expect([...runner.lastPassMs.values()].every((ms) => ms > 0)).toBe(true);
      const a = await read('tally_a');
      expect(a).toHaveLength(15);
      expect(a.filter((r) => r.events === '20')).toHaveLength(10);
      expect(await read('tally_b')).toEqual(a);
      expect(await readCheckpoint(db4, 'tally_a')).toEqual(await readCheckpoint(db4, 'tally_b'));
      expect(await runner.rebuildAll()).toBe(250);
      expect(await read('tally_a')).toEqual(a);
      expect(await read('tally_b')).toEqual(a);
    } finally {
      await db4.close();
      await dropSchema(s4);
    }
  });

  test('a pass spreads its projections over lanes that apply at once, with what one lane gives; a lane that fails stops the pass with its own error', async () => {
    await inOwnSchema(async (db8, store8) => {
      for (let s = 0; s < 10; s++) await store8.appendToStream(`project-l${s}`, Array.from({ length: 12 }, (_, i) => newEvent('Tick', { i })));
      await visibleToHead(store8);
      const head = (await store8.headPosition())!;
      const rows = (name: string) => db8.query(`select stream_id, events::text, max_revision::text, ids from ${name} order by stream_id`).then((r) => r.rows);
      // When each apply ran: with two lanes, some apply of one projection runs while one of the other does.
      const spans: Record<string, Array<[number, number]>> = { lane_a: [], lane_b: [] };
      const timed = (name: string) => {
        const p = tallyProjection(20, name);
        return { ...p, apply: async (tx: Parameters<typeof p.apply>[0], events: Parameters<typeof p.apply>[1]) => {
          const t0 = performance.now();
          await p.apply(tx, events);
          spans[name].push([t0, performance.now()]);
        } };
      };
      const overlapped = () => spans.lane_a.some(([a0, a1]) => spans.lane_b.some(([b0, b1]) => a0 < b1 && b0 < a1));
      const one = new ProjectionRunner(store8, db8, [timed('lane_a'), timed('lane_b')], { batchSize: 30, lanes: 1 });
      await one.setup();
      expect(await one.catchUpTogether()).toBe(120);
      expect(overlapped()).toBe(false);
      const oneLane = [await rows('lane_a'), await rows('lane_b')];
      expect(oneLane[0]).toHaveLength(10);
      spans.lane_a = [];
      spans.lane_b = [];
      const two = new ProjectionRunner(store8, db8, [timed('lane_a'), timed('lane_b')], { batchSize: 30, lanes: 2 });
      expect(await two.rebuildAll()).toBe(120);
      expect(overlapped()).toBe(true);
      expect([await rows('lane_a'), await rows('lane_b')]).toEqual(oneLane);
      expect(await readCheckpoint(db8, 'lane_a')).toEqual(head);
      expect(await readCheckpoint(db8, 'lane_b')).toEqual(head);
      expect([...two.lastPassMs.keys()].sort()).toEqual(['lane_a', 'lane_b']);
      // Each lane is timed from the pass's start to its own end, which is no earlier than the last apply it ran.
      expect(two.lastLanes.map((l) => l.projections).sort()).toEqual([['lane_a'], ['lane_b']]);
      for (const l of two.lastLanes) expect(l.ms).toBeGreaterThanOrEqual(two.lastPassMs.get(l.projections[0])!);
      expect(one.lastLanes).toHaveLength(1);
      // One lane fails: the pass rejects with that lane's error, not the other lane's stop.
      const failing = { ...tallyProjection(0, 'lane_b'), apply: async () => {
        throw new Error('lane_b cannot apply');
      } };
      const broken = new ProjectionRunner(store8, db8, [timed('lane_a'), failing], { batchSize: 30, lanes: 2 });
      await expect(broken.rebuildAll()).rejects.toThrow('lane_b cannot apply');
      expect(comparePositions(await readCheckpoint(db8, 'lane_b'), head)).toBeLessThan(0);
    });
  });

  test('the lanes of a pass share one read of each window: each lane is handed its own types, from its own checkpoints', async () => {
    await inOwnSchema(async (db9, store9) => {
      for (let s = 0; s < 8; s++) await store9.appendToStream(`project-s${s}`, Array.from({ length: 10 }, (_, i) => newEvent(i % 2 === 0 ? 'Tick' : 'Tock', { i })));
      await visibleToHead(store9);
      const head = (await store9.headPosition())!;
      const handed: Record<string, string[]> = { tally_tick: [], tally_tock: [] };
      const only = (name: 'tally_tick' | 'tally_tock', type: string) => {
        const p = tallyProjection(5, name);
        return { ...p, handles: [type], apply: async (tx: Parameters<typeof p.apply>[0], events: Parameters<typeof p.apply>[1]) => {
          handed[name].push(...events.map((e) => e.type));
          await p.apply(tx, events);
        } };
      };
      // The real store, with its window reads counted.
      const windows: Array<readonly string[] | undefined> = [];
      const counting = Object.create(store9) as PostgresEventStore;
      counting.readWindow = (o) => {
        windows.push(o.types);
        return store9.readWindow(o);
      };
      const projections = [only('tally_tick', 'Tick'), only('tally_tock', 'Tock')];
      const runner = new ProjectionRunner(counting, db9, projections, { batchSize: 9, lanes: 2 });
      await runner.setup();
      // Ticks first on their own, so the Tocks' lane starts 80 events further back.
      expect(await runner.rebuild('tally_tick')).toBe(80);
      for (let s = 0; s < 8; s++) await store9.appendToStream(`project-s${s}`, [newEvent('Tick', { i: 10 }), newEvent('Tock', { i: 11 })]);
      await visibleToHead(store9);
      windows.length = 0;
      handed.tally_tick = [];
      handed.tally_tock = [];
      expect(await runner.catchUpTogether()).toBe(96);
      // One read per window of the 96 events, for both types, and the empty one at the end.
      expect(windows).toHaveLength(Math.ceil(96 / 9) + 1);
      expect(windows.every((t) => [...(t ?? [])].sort().join() === 'Tick,Tock')).toBe(true);
      expect(handed.tally_tick).toEqual(Array(8).fill('Tick'));
      expect(handed.tally_tock).toEqual(Array(48).fill('Tock'));
      const after = (await store9.headPosition())!;
      expect(comparePositions(after, head)).toBeGreaterThan(0);
      expect(await readCheckpoint(db9, 'tally_tick')).toEqual(after);
      expect(await readCheckpoint(db9, 'tally_tock')).toEqual(after);
      const events = async (name: string) => (await db9.query<{ events: string }>(`select events::text from ${name} order by stream_id`)).rows.map((r) => r.events);
      expect(await events('tally_tick')).toEqual(Array(8).fill('6'));
      expect(await events('tally_tock')).toEqual(Array(8).fill('6'));
    });
  });

  test('a projection that declares the types it handles is handed only those, and its checkpoint still passes every event', async () => {
    await inOwnSchema(async (db6, store6) => {
      // Ticks and Tocks interleaved, Tocks last: a checkpoint left on the last Tick would never reach the head.
      for (let s = 0; s < 6; s++) await store6.appendToStream(`project-w${s}`, Array.from({ length: 9 }, (_, i) => newEvent(i % 3 === 0 ? 'Tick' : 'Tock', { i })));
      await store6.appendToStream('project-w0', [newEvent('Tock'), newEvent('Tock')]);
      await visibleToHead(store6);
      const head = (await store6.headPosition())!;
      const handed: string[] = [];
      const ticks = tallyProjection(0, 'tally_ticks');
      const only = { ...ticks, handles: ['Tick'], apply: async (tx: Parameters<typeof ticks.apply>[0], events: Parameters<typeof ticks.apply>[1]) => {
        handed.push(...events.map((e) => e.type));
        await ticks.apply(tx, events);
      } };
      const runner = new ProjectionRunner(store6, db6, [only], { batchSize: 7 });
      await runner.setup();
      // Every position is counted as passed, though only the Ticks were read.
      expect(await runner.rebuild('tally_ticks')).toBe(56);
      expect(handed).toEqual(Array(18).fill('Tick'));
      expect(await readCheckpoint(db6, 'tally_ticks')).toEqual(head);
      const rows = (await db6.query<{ events: string }>('select events::text from tally_ticks order by stream_id')).rows.map((r) => r.events);
      expect(rows).toEqual(['3', '3', '3', '3', '3', '3']);
      // Following the log from there, a runner that has nothing new reports itself caught up at once.
      await runner.start();
      await runner.waitUntilCaughtUp(5_000);
      await runner.stop();
    });
  });

  test('a pass with a projection that reads JSON texts hands every projection in it the texts, parsing data only for those that read it', async () => {
    await inOwnSchema(async (db7, store7) => {
      for (let s = 0; s < 4; s++) await store7.appendToStream(`project-j${s}`, Array.from({ length: 5 }, (_, i) => newEvent('Tick', { i, 名称: '道路', s })));
      await visibleToHead(store7);
      const seen = new Map<string, Array<{ text: string | undefined; data: unknown }>>();
      const watching = (name: string, readsJsonText: boolean, readsData: boolean) => {
        const tally = tallyProjection(0, name);
        return { ...tally, readsJsonText, apply: async (tx: Parameters<typeof tally.apply>[0], events: Parameters<typeof tally.apply>[1]) => {
          seen.set(name, [...(seen.get(name) ?? []), ...events.map((e) => ({ text: e.jsonText?.data, data: readsData ? e.data : undefined }))]);
          await tally.apply(tx, events);
        } };
      };
      // One lane: the texts are read for the pass, and the tally still reads its events' data.
      const together = new ProjectionRunner(store7, db7, [watching('tally_texts', true, false), watching('tally_data', false, true)], { batchSize: 6, lanes: 1 });
      await together.setup();
      expect(await together.catchUpTogether()).toBe(20);
      expect(seen.get('tally_texts')!.map((x) => JSON.parse(x.text!))).toEqual(seen.get('tally_data')!.map((x) => x.data));
      expect(seen.get('tally_data')!.map((x) => (x.data as { s: number }).s)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
      // A pass of projections that do not read texts is handed parsed events, as before.
      seen.clear();
      const plain = new ProjectionRunner(store7, db7, [watching('tally_plain', false, true)], { batchSize: 6, lanes: 1 });
      await plain.setup();
      expect(await plain.catchUpTogether()).toBe(20);
      expect(seen.get('tally_plain')!.every((x) => x.text === undefined && typeof x.data === 'object')).toBe(true);
      const rows = (t: string) => db7.query(`select stream_id, events::text from ${t} order by stream_id`).then((r) => r.rows);
      expect(await rows('tally_data')).toEqual(await rows('tally_plain'));
      expect(await rows('tally_texts')).toEqual(await rows('tally_plain'));
    });
  });

  test('a pass hands each window to prepare() as soon as it is read, before that window is applied and while the one before still is', async () => {
    await inOwnSchema(async (db7, store7) => {
      for (let s = 0; s < 4; s++) await store7.appendToStream(`project-p${s}`, Array.from({ length: 5 }, (_, i) => newEvent('Tick', { i, s })));
      await visibleToHead(store7);
      const log: string[] = [];
      const prepared: Array<readonly RecordedEvent[]> = [];
      let applies = 0;
      let windowsAfter = 3; // windows applied with one more to come after them
      const tally = tallyProjection(0, 'tally_prep');
      const preparing = { ...tally, readsJsonText: true,
        prepare(events: readonly RecordedEvent[]) {
          prepared.push(events);
          log.push(`prepare ${events.length}`);
        },
        async apply(tx: Parameters<typeof tally.apply>[0], events: Parameters<typeof tally.apply>[1]) {
          const k = applies++;
          log.push(`apply ${events.length}`);
          // Handed the very events prepared for this window.
          expect(prepared[k]).toHaveLength(events.length);
          expect(events.every((e, i) => prepared[k][i] === e)).toBe(true);
          // The window after this one (three of four have one) is read and prepared while this one is applied.
          for (let waited = 0; k < windowsAfter && prepared.length < k + 2 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
          await tally.apply(tx, events);
          log.push('applied');
        } };
      const runner = new ProjectionRunner(store7, db7, [preparing], { batchSize: 6, lanes: 1 });
      await runner.setup();
      expect(await runner.catchUpTogether()).toBe(20);
      const at = (what: string) => log.flatMap((x, i) => (x.startsWith(what) ? [i] : []));
      const [prepares, starts, ends] = [at('prepare'), at('apply '), at('applied')];
      expect(log.filter((x) => x.startsWith('prepare'))).toEqual(['prepare 6', 'prepare 6', 'prepare 6', 'prepare 2']);
      expect([starts.length, ends.length]).toEqual([4, 4]);
      for (let k = 0; k < 4; k++) {
        expect(prepares[k]).toBeLessThan(starts[k]);
        if (k > 0) expect(prepares[k]).toBeLessThan(ends[k - 1]);
      }
      expect(prepared.flat().map((e) => (e.data as { s: number }).s)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
      expect(prepared.every((w) => w.every((e) => e.jsonText !== undefined))).toBe(true);

      // Beside a projection behind it in the same lane, it is prepared with only the events it is due,
      // and a prepare() that throws costs nothing but itself.
      for (let s = 4; s < 6; s++) await store7.appendToStream(`project-p${s}`, Array.from({ length: 5 }, (_, i) => newEvent('Tick', { i, s })));
      await visibleToHead(store7);
      prepared.length = 0;
      log.length = 0;
      applies = 0;
      windowsAfter = 1;
      const throwing = { ...tallyProjection(0, 'tally_prep_throws'), prepare() {
        throw new Error('prepare failed');
      } };
      const both = new ProjectionRunner(store7, db7, [throwing, preparing], { batchSize: 6, lanes: 1 });
      await both.setup();
      expect(await both.catchUpTogether()).toBe(30);
      expect(prepared.flat().map((e) => (e.data as { s: number }).s)).toEqual([4, 4, 4, 4, 4, 5, 5, 5, 5, 5]);
      const rows = (t: string) => db7.query(`select stream_id, events::text from ${t} order by stream_id`).then((r) => r.rows);
      expect(await rows('tally_prep_throws')).toEqual(await rows('tally_prep'));
      expect(await rows('tally_prep')).toHaveLength(6);
    });
  });

  test('filled from nothing, a projection\'s read indexes are dropped for the pass and built at its end; following the log keeps them', async () => {
    await inOwnSchema(async (db7, store7) => {
      for (let s = 0; s < 5; s++) await store7.appendToStream(`project-x${s}`, Array.from({ length: 8 }, (_, i) => newEvent('Tick', { i })));
      await visibleToHead(store7);
      const indexes = async () => (await db7.query<{ n: string }>(`select indexname as n from pg_indexes where schemaname = current_schema() and tablename = 'tally_ix'
        and indexname <> 'tally_ix_pkey' order by 1`)).rows.map((r) => r.n);
      const seenDuring: string[][] = [];
      // A pass's transactions run without parallel workers; the setting is local to them, the pool's sessions keep theirs.
      const workers: string[] = [];
      const tally = tallyProjection(0, 'tally_ix');
      const withIndex = { ...tally, readIndexes: ['create index if not exists tally_ix_events_idx on tally_ix (events)'],
        async setup(q: Parameters<typeof tally.setup>[0]) {
          await tally.setup(q);
          await q.query('create index if not exists tally_ix_events_idx on tally_ix (events)');
        },
        async apply(tx: Parameters<typeof tally.apply>[0], events: Parameters<typeof tally.apply>[1]) {
          seenDuring.push((await tx.query<{ n: string }>(`select indexname as n from pg_indexes where schemaname = current_schema() and tablename = 'tally_ix'
            and indexname <> 'tally_ix_pkey'`)).rows.map((r) => r.n));
          workers.push((await tx.query<{ w: string }>(`select current_setting('max_parallel_workers_per_gather') as w`)).rows[0].w);
          await tally.apply(tx, events);
        } };
      const runner = new ProjectionRunner(store7, db7, [withIndex], { batchSize: 10, deferIndexesAfter: 20 });
      await runner.setup();
      expect(await indexes()).toEqual(['tally_ix_events_idx']);
      expect(await runner.rebuild('tally_ix')).toBe(40);
      expect(seenDuring).toHaveLength(4);
      expect(seenDuring.every((x) => x.length === 0)).toBe(true);
      expect(workers).toEqual(['0', '0', '0', '0']);
      expect((await db7.query<{ w: string }>(`select current_setting('max_parallel_workers_per_gather') as w`)).rows[0].w).not.toBe('0');
      expect(await indexes()).toEqual(['tally_ix_events_idx']);
      // Past the start, a catch-up leaves them in place.
      await store7.appendToStream('project-x0', Array.from({ length: 30 }, (_, i) => newEvent('Tick', { i })));
      await visibleToHead(store7);
      seenDuring.length = 0;
      expect(await runner.catchUpTogether()).toBe(30);
      expect(seenDuring.length).toBeGreaterThan(0);
      expect(seenDuring.every((x) => x.length === 1)).toBe(true);
      expect((await db7.query<{ events: string }>(`select events::text from tally_ix where stream_id = 'project-x0'`)).rows[0].events).toBe('38');
    });
  });

  test('after a bulk pass the tables a projection rewrites row by row are written anew, its other tables only vacuumed; one in use is only vacuumed', async () => {
    await inOwnSchema(async (db8, store8) => {
      for (let s = 0; s < 4; s++) await store8.appendToStream(`project-rw${s}`, Array.from({ length: 25 }, (_, i) => newEvent('Tick', { i })));
      await visibleToHead(store8);
      // Two tables given the same rows: each event rewrites its stream's row in both.
      const files = async () => (await db8.query<{ rewritten: string; kept: string }>(
        `select pg_relation_filenode('rw_rewritten')::text as rewritten, pg_relation_filenode('rw_kept')::text as kept`)).rows[0];
      let lastApplied: { rewritten: string; kept: string } | undefined;
      const rewriting = {
        name: 'rw', tables: ['rw_rewritten', 'rw_kept'], rewrittenTables: ['rw_rewritten'],
        async setup(q: SqlExecutor) {
          for (const t of ['rw_rewritten', 'rw_kept']) await q.query(`create table if not exists ${t} (stream_id text primary key, events int not null, ids text not null)`);
        },
        async apply(tx: SqlExecutor, events: readonly RecordedEvent[]) {
          for (const t of ['rw_rewritten', 'rw_kept']) {
            for (const e of events) {
              await tx.query(`insert into ${t} values ($1, 1, $2) on conflict (stream_id) do update set events = ${t}.events + 1, ids = ${t}.ids || $2`, [e.streamId, e.id]);
            }
          }
          lastApplied = (await tx.query<{ rewritten: string; kept: string }>(
            `select pg_relation_filenode('rw_rewritten')::text as rewritten, pg_relation_filenode('rw_kept')::text as kept`)).rows[0];
        } };
      const runner = new ProjectionRunner(store8, db8, [rewriting], { batchSize: 10, analyzeAfter: 100 });
      await runner.setup();
      expect(await runner.rebuild('rw')).toBe(100);
      const after = await files();
      expect(after.rewritten).not.toBe(lastApplied!.rewritten);
      expect(after.kept).toBe(lastApplied!.kept);
      for (const t of ['rw_rewritten', 'rw_kept']) {
        expect((await db8.query<{ n: number }>(`select sum(events)::int as n from ${t}`)).rows[0].n).toBe(100);
      }
      // Below the threshold nothing is rewritten.
      await store8.appendToStream('project-rw0', [newEvent('Tick', { i: 99 })]);
      await visibleToHead(store8);
      expect(await runner.catchUpTogether()).toBe(1);
      expect(await files()).toEqual(after);
      // A reader holding the table (its transaction open) is not waited for beyond the lock's wait: the table is vacuumed only.
      await store8.appendToStream('project-rw1', Array.from({ length: 100 }, (_, i) => newEvent('Tick', { i })));
      await visibleToHead(store8);
      const reader = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${(await db8.query<{ s: string }>('select current_schema() as s')).rows[0].s}` });
      await reader.connect();
      try {
        await reader.query('begin');
        await reader.query('select count(*) from rw_rewritten');
        expect(await runner.catchUpTogether()).toBe(100);
        expect(lastApplied).toEqual(after);
        expect(await files()).toEqual(after);
        expect((await db8.query<{ n: number }>('select sum(events)::int as n from rw_rewritten')).rows[0].n).toBe(201);
      } finally {
        await reader.end();
      }
    });
  });

  test('a projection naming a rewritten table that is not one of its tables is refused', () => {
    expect(() => new ProjectionRunner(store, db, [{ ...tallyProjection(0, 'stray'), rewrittenTables: ['elsewhere'] }]))
      .toThrow(/stray: rewrittenTables must be among its tables \(elsewhere\)/);
  });

  test('a projection whose version went up is rebuilt from the log when a runner starts or a one-pass catch-up runs; the same version is left as it is', async () => {
    const s5 = uniqueSchema('proj');
    const db5 = await openTestPg(s5);
    const store5 = await PostgresEventStore.create(db5);
    try {
      for (let s = 0; s < 3; s++) await store5.appendToStream(`project-v${s}`, Array.from({ length: 4 }, () => newEvent()));
      const v1 = new ProjectionRunner(store5, db5, [tallyProjection(0, 'tally_v')]);
      await v1.start();
      await v1.waitUntilCaughtUp();
      await v1.stop();
      const counts = () => db5.query<{ events: string }>('select events::text from tally_v order by stream_id').then((r) => r.rows.map((x) => x.events));
      expect(await counts()).toEqual(['4', '4', '4']);
      // Rows that only a rebuild would put right.
      await db5.query('update tally_v set events = 99');
      const v2 = new ProjectionRunner(store5, db5, [{ ...tallyProjection(0, 'tally_v'), version: 2 }]);
      await v2.start();
      await v2.waitUntilCaughtUp();
      await v2.stop();
      expect(await counts()).toEqual(['4', '4', '4']);
      expect((await db5.query<{ version: number }>(`select version from projection_versions where name = 'tally_v'`)).rows[0].version).toBe(2);
      await db5.query('update tally_v set events = 99');
      const again = new ProjectionRunner(store5, db5, [{ ...tallyProjection(0, 'tally_v'), version: 2 }]);
      await again.start();
      await again.stop();
      expect(await counts()).toEqual(['99', '99', '99']);
      // A one-pass catch-up (a bulk load's, the detectors' scoring) with newer code rebuilds too, in its pass;
      // with the version its tables were built by, it only follows on from them.
      await store5.appendToStream('project-v0', [newEvent()]);
      await visibleToHead(store5);
      const v3 = new ProjectionRunner(store5, db5, [{ ...tallyProjection(0, 'tally_v'), version: 3 }]);
      expect(await v3.catchUpTogether()).toBe(13);
      expect(await counts()).toEqual(['5', '4', '4']);
      expect((await db5.query<{ version: number }>(`select version from projection_versions where name = 'tally_v'`)).rows[0].version).toBe(3);
      await db5.query('update tally_v set events = 99');
      await store5.appendToStream('project-v1', [newEvent()]);
      await visibleToHead(store5);
      expect(await new ProjectionRunner(store5, db5, [{ ...tallyProjection(0, 'tally_v'), version: 3 }]).catchUpTogether()).toBe(1);
      expect(await counts()).toEqual(['99', '100', '99']);
    } finally {
      await db5.close();
      await dropSchema(s5);
    }
  });
});
