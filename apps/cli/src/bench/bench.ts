import type { INestApplicationContext } from '@nestjs/common';
import { BULK_LOAD_STATE_CACHE_SIZE, generate, type Preset, checkManifest, loadCommands, scoreDetectors, type Anomaly, type AlertLike, type DetectorScore } from '@yuantrace/ledger';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { BulkLoadEventStore, PgDb, PgliteDb, PostgresEventStore, readAllInBatches, START, untilVisibleToHead, type Db } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { createLedgerContext } from '@yuantrace/ledger';
import { TokenService } from '@yuantrace/ledger';
import { loadConfig, type AppConfig } from '@yuantrace/ledger';
import { SealKey, sealerProjection, sealPending, sealStatus, SEAL_PROJECTION, SEAL_TABLES } from '@yuantrace/seal';
import { fundWorksProject } from './works-fixture';
import { BenchHttpClient } from './http-client';
import { freePort } from './private-postgres';
import { catchUpInLanes, endLaneProcesses, rebuildAllInLanes } from '../lane-processes';

const ROOT = join(__dirname, '../../../..');

/**
 * The benchmark: the system measured beside a raw baseline taken in the same run on the same
 * database, so the ratio says what the ledger costs over PostgreSQL itself.
 */
type Stats = { n: number; perSecond: number; p50ms: number; p99ms: number };
export type BenchReport = {
  store: 'postgres' | 'embedded';
  preset: Preset;
  machine: { cpus: number; node: string; platform: string };
  load: { events: number; eventsPerSecond: number; rawBatchedInsertRowsPerSecond: number; ratio: number; manifestOk: boolean };
  catchUpEventsPerSecond: number;
  rebuild: { events: number; eventsPerSecond: number };
  /**
   * How the catch-up and the rebuild ran (as `npm run load` and `npm run cli -- rebuild all` run them:
   * on a server each lane in a process of its own), beside a plain read of the whole log in the same run.
   */
  passes?: { lanes: number; lanesIn: 'processes' | 'one process'; plainReadEventsPerSecond: number; catchUpRatio: number; rebuildRatio: number };
  commands: Array<{ concurrency: number; http: Stats; rawSingleInsert: Stats; ratio: number }>;
  queries: Record<string, Stats>;
  /** Peak resident memory of each process: the api, the projector (server only), and this loader. */
  memory: { apiMb: number | null; projectorMb: number | null; loaderMb: number };
  /**
   * The red-flag detectors against the anomalies the generator injected: per rule and variant,
   * recall and precision; how fast the red_flags projection catches up from zero; GET /alerts latency.
   */
  detectors?: { anomalies: number; alerts: number; scores: DetectorScore[]; catchUp: { applied: number; seconds: number; logEventsPerSecond: number };
    alertList: Stats } | { unavailable: string };
  /**
   * The sealer: its catch-up over the whole log from nothing, beside a plain read of the log in the
   * same run; and commands at concurrency 16 with sealing on (as deployed) and with SEAL=off, alternating.
   */
  seal?: { catchUp: { events: number; eventsPerSecond: number; readOnlyEventsPerSecond: number; ratio: number; checkpoints: number };
    commandsC16: { sealing: Stats; notSealing: Stats; ratio: number } };
};

/** Goals the sealer's figures are printed beside. */
const SEAL_GOALS = { catchUpEventsPerSecond: 50_000 };

/** Goals the detector figures are printed beside. */
const DETECTOR_GOALS = { recall: 1, precision: 0.95, catchUpEventsPerSecond: 20_000, alertListP99Ms: 50 };

/** Every alert the api lists, page by page (500 a page), as an inspector of the whole country sees them. */
async function readAllAlerts(url: string, authorization: string): Promise<AlertLike[]> {
  const alerts: AlertLike[] = [];
  let after: string | null = null;
  do {
    const r = await fetch(`${url}/alerts?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: { authorization } });
    if (r.status !== 200) throw new Error(`GET /alerts: ${r.status} ${await r.text()}`);
    const page = (await r.json()) as { alerts: AlertLike[]; next: string | null };
    alerts.push(...page.alerts);
    after = page.next;
  } while (after);
  return alerts;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
function stats(latencies: number[], seconds: number): Stats {
  const s = [...latencies].sort((a, b) => a - b);
  return { n: s.length, perSecond: Math.round(s.length / seconds), p50ms: +percentile(s, 50).toFixed(2), p99ms: +percentile(s, 99).toFixed(2) };
}

/** Runs `total` tasks with at most `concurrency` in flight; returns each task's latency in ms and the wall time. */
async function drive(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await task(i);
      latencies.push(performance.now() - t0);
    }
  }));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

async function rawBatchedInsert(db: Db, rows: number): Promise<number> {
  await db.exec('drop table if exists bench_raw_batched; create table bench_raw_batched (id bigserial primary key, stream text, data jsonb)');
  const payload = JSON.stringify({ paymentId: 'G-PAY-0000001', amountFen: '100000', payee: { type: 'household', id: 'G-HH-000001', name: '张德贵' }, effectiveDate: '2016-09-15' });
  const started = performance.now();
  for (let i = 0; i < rows; i += 1000) {
    const n = Math.min(1000, rows - i);
    const params: unknown[] = [];
    const values = Array.from({ length: n }, (_, k) => {
      params.push(`payment-${i + k}`, payload);
      return `($${params.length - 1}, $${params.length}::jsonb)`;
    });
    await db.transaction((tx) => tx.query(`insert into bench_raw_batched (stream, data) values ${values.join(', ')}`, params));
  }
  const seconds = (performance.now() - started) / 1000;
  await db.exec('drop table bench_raw_batched');
  return Math.round(rows / seconds);
}

export async function runBench(options: { store: 'postgres' | 'embedded'; preset: Preset; seed: number; databaseUrl: string; flows: number; out: string;
  log: (line: string) => void }): Promise<BenchReport> {
  const { log } = options;
  const timer = setInterval(sampleRss, 200);
  const schema = `bench_${Date.now().toString(36)}`;
  const dir = options.store === 'embedded' ? mkdtempSync(join(tmpdir(), 'yuantrace-bench-')) : undefined;
  // Sealed as deployed: a key from configuration, the default cadence.
  const sealKeyText = SealKey.generate('ed25519');
  // The secret named on both stores: the api it starts inherits this environment, and one set there would sign other tokens than these.
  const common = { JWT_SECRET: 'bench-secret-of-enough-length', LOG_LEVEL: 'warn', SEAL_KEY: sealKeyText };
  const env = options.store === 'postgres'
    // PGAPPNAME: every connection of the processes it starts is named after its schema, so that a stopped run can end them.
    ? { ...common, DATABASE_URL: options.databaseUrl, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '20', PGAPPNAME: schema }
    : { ...common, DATA_DIR: dir! };
  const config: AppConfig = { ...loadConfig(env), runProjections: false, demoData: false, logLevel: 'warn' };
  // Each phase opens its own connection: an app closes the storage it was given.
  let stopping = false;
  const openDb = async (): Promise<Db> => {
    // Stopped while between phases: no new connection may create the schema again after it was dropped.
    if (stopping) throw new Error('the benchmark was stopped');
    return options.store === 'postgres' ? PgDb.connect(withAppName(options.databaseUrl, schema), { schema, poolSize: 20 }) : PgliteDb.open(dir!);
  };
  let db: Db = await openDb();
  let inner = await PostgresEventStore.create(db);
  let app: INestApplicationContext | undefined;
  const children: ChildProcess[] = [];
  let cleaned: Promise<void> | undefined;
  // Once, whether the run ends, fails or is stopped by a signal (which runs no finally block).
  const cleanUp = () => (cleaned ??= (async () => {
    clearInterval(timer);
    for (const c of children) c.kill('SIGKILL');
    await app?.close().catch(() => undefined);
    if (options.store === 'postgres') await dropBenchSchema(options.databaseUrl, schema);
    else rmSync(dir!, { recursive: true, force: true });
  })());
  const stopped = (signal: NodeJS.Signals) => {
    stopping = true;
    log(`stopped by ${signal}: dropping schema ${schema}`);
    // Its lane processes first, and no more of them: a lane starting after the drop would create the schema again.
    void endLaneProcesses().then(cleanUp)
      .catch((e) => log(`could not drop schema ${schema}: ${(e as Error).message}; drop it by hand`))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopped);
  process.once('SIGTERM', stopped);
  try {
    // 1. Bulk load through the deciders, beside a raw batched insert of as many rows.
    const { commands, manifest, anomalies } = generate(options.preset, options.seed);
    const bulk = await BulkLoadEventStore.over(inner);
    // As `npm run load` loads: every stream kept folded.
    app = await createLedgerContext({ ...config, stateCacheSize: BULK_LOAD_STATE_CACHE_SIZE }, { storage: { db, store: bulk } });
    log(`loading ${commands.length} commands (${options.preset}, seed ${options.seed}) on ${options.store}…`);
    const t0 = performance.now();
    await loadCommands(app, 'bench', commands, undefined, 5000);
    const loadSeconds = (performance.now() - t0) / 1000;
    // As `npm run load` leaves the log before it catches up.
    await untilVisibleToHead(inner);
    const events = Number(await inner.countAfter(START));
    const settleMs = await inner.settleAfterBulkLoad();
    log(`events table vacuumed and analyzed in ${(settleMs / 1000).toFixed(1)} s`);
    const raw = await rawBatchedInsert(db, events);
    // The catch-up in a context of its own, as `npm run load` does: the load's folded streams are garbage by then.
    await app.close();
    db = await openDb();
    inner = await PostgresEventStore.create(db);
    app = await createLedgerContext(config, { storage: { db, store: inner } });
    // As `npm run load` catches up (its lane processes given this run's schema and settings).
    const t1 = performance.now();
    await catchUpInLanes(app.get(ProjectionRunner), db, config, env);
    const catchUp = Math.round(events / ((performance.now() - t1) / 1000));
    const manifestOk = (await checkManifest(app, manifest)).length === 0;
    log(`loaded ${events} events in ${loadSeconds.toFixed(1)} s; manifest ${manifestOk ? 'OK' : 'MISMATCH'}`);
    await app.close();
    app = undefined;
    db = await openDb();
    inner = await PostgresEventStore.create(db);

    // 2. A rebuild of every projection from the log, as `npm run cli -- rebuild all` runs it, beside a plain read of the log.
    const runner = new ProjectionRunner(inner, db, (await import('@yuantrace/read-models')).readModelProjections(), { lanes: config.projectionLanes });
    const t2 = performance.now();
    const { inProcesses } = await rebuildAllInLanes(runner, db, config, undefined, env);
    const rebuildRate = Math.round(events / ((performance.now() - t2) / 1000));
    const plainRead = await plainReadRate(inner, events);
    const lanes = (inProcesses?.lanes ?? runner.lastLanes).length;
    const passes = { lanes, lanesIn: inProcesses ? 'processes' as const : 'one process' as const, plainReadEventsPerSecond: plainRead,
      catchUpRatio: +(catchUp / plainRead).toFixed(3), rebuildRatio: +(rebuildRate / plainRead).toFixed(3) };
    log(`caught up at ${catchUp} and rebuilt every projection at ${rebuildRate} events/s (${lanes} lane(s) in ${passes.lanesIn}); a plain read of the log ${plainRead} events/s`);
    // 2b. The red-flag detectors' catch-up from zero: their projection alone, rebuilt over the whole log.
    let redFlagsCatchUp: { applied: number; seconds: number; logEventsPerSecond: number } | undefined;
    let detectorsUnavailable: string | undefined;
    try {
      const t3 = performance.now();
      const applied = await runner.rebuild('red_flags');
      const seconds = (performance.now() - t3) / 1000;
      redFlagsCatchUp = { applied, seconds: +seconds.toFixed(2), logEventsPerSecond: Math.round(events / seconds) };
      log(`red_flags caught up from zero: ${events} events in ${seconds.toFixed(1)} s (${redFlagsCatchUp.logEventsPerSecond} events/s; ${applied} applied)`);
    } catch (e) {
      detectorsUnavailable = `the red_flags projection could not be rebuilt: ${e instanceof Error ? e.message : String(e)}`;
      log(detectorsUnavailable);
    }

    // 2c. The sealer from nothing over the whole log, beside a plain read of the log.
    const sealCatchUp = await measureSealCatchUp(inner, db, SealKey.parse(sealKeyText), events, log);

    // 3. The raw single-insert baseline, and what the queries will ask for, while this process still holds the database.
    await db.exec('create table if not exists bench_raw_single (id bigserial primary key, stream text, data jsonb)');
    const pool = options.store === 'postgres' ? new Pool({ connectionString: options.databaseUrl, max: 64, options: `-c search_path=${schema} -c jit=off` }) : undefined;
    const raws = new Map<number, Stats>();
    for (const concurrency of [1, 16, 64]) {
      const rawRun = await drive(options.flows * 3, concurrency, async (i) => {
        if (pool) await pool.query('insert into bench_raw_single (stream, data) values ($1, $2::jsonb)', [`payment-${i}`, '{"a":1}']);
        else await db.query('insert into bench_raw_single (stream, data) values ($1, $2::jsonb)', [`payment-${i}`, '{"a":1}']);
      });
      raws.set(concurrency, stats(rawRun.latencies, rawRun.seconds));
    }
    await pool?.end();
    const { households, householdsAsOf } = await sampleHouseholds(db, 'household_id');
    const payments = (await db.query<{ id: string }>(`select payment_id as id from rm_payments where payment_id like 'G-PAY-%' order by payment_id limit 500`)).rows.map((r) => r.id);
    const batch = (await db.query<{ id: string }>(`select batch_id as id from rm_batches where parent_batch_id is not null order by batch_id limit 1`)).rows[0]?.id;
    await db.close();

    // 4. The api as it is deployed, in its own process; on a server the projections run in a projector process beside it.
    // Chosen by the system: a random one collided with a connection's own ephemeral port.
    const port = await freePort();
    const childEnv = { ...process.env, ...env, PORT: String(port), DEMO_DATA: 'off', LOG_LEVEL: 'warn', NODE_OPTIONS: '' };
    const node = (app: 'api' | 'projector', extra: Record<string, string> = {}) => deployed(app, { ...childEnv, ...extra });
    const api = node('api', { RUN_PROJECTIONS: 'off' });
    const projector = options.store === 'postgres' ? node('projector') : undefined;
    children.push(api, ...(projector ? [projector] : []));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      if (i > 600) throw new Error('the api did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const tokens = new TokenService(config);
    const fin = `Bearer ${tokens.issue({ id: 'bench-fin', role: 'finance', scope: '990000000000' })}`;
    const appr = `Bearer ${tokens.issue({ id: 'bench-appr', role: 'approver', scope: '990000000000' })}`;
    // 4b. The detectors against the injected anomalies, before the command phase adds payments of its own.
    const inspector = `Bearer ${tokens.issue({ id: 'bench-inspector', role: 'inspector', scope: '000000000000' })}`;
    const detectors = await measureDetectors(url, inspector, anomalies, redFlagsCatchUp, detectorsUnavailable, log);
    const call = async (auth: string, path: string, body: unknown) => {
      const r = await fetch(url + path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    };
    const setup = (i: number, flows: number) => fundWorksProject((_m, path, body) => call(fin, path, body),
      { batchId: `BENCH-B${i}`, projectId: `BENCH-P${i}`, allocationId: `BENCH-A${i}`, amount: `${flows * 1000}.00`, unitCode: '990101000000' });
    const commandsReport: BenchReport['commands'] = [];
    for (const concurrency of [1, 16, 64]) {
      const flows = options.flows;
      // Each lane spends from its own project, as payments to many projects do.
      for (let k = 0; k < concurrency; k++) await setup(concurrency * 100 + k, Math.ceil(flows / concurrency) + 1);
      const run = await drive(flows, concurrency, async (i) => {
        const lane = concurrency * 100 + (i % concurrency);
        const id = `BENCH-${concurrency}-${i}`;
        await call(fin, '/payments', { paymentId: id, projectId: `BENCH-P${lane}`, allocationId: `BENCH-A${lane}`, amount: '1000.00', purpose: 'bench',
          installment: 'progress', effectiveDate: '2016-02-01', payee: { type: 'contractor', id: `C${i}`, name: '某公司', account: '6222000011112222' } });
        await call(appr, `/payments/${id}/approval`, { approved: true, effectiveDate: '2016-02-01' });
        await call(fin, `/payments/${id}/execution`, { channel: 'bank_transfer', bankReference: `B-${id}`, effectiveDate: '2016-02-02' });
      });
      // Each flow is three commands; reported per command.
      const http = stats(run.latencies.map((l) => l / 3), run.seconds / 3);
      const rawSingleInsert = raws.get(concurrency)!;
      commandsReport.push({ concurrency, http, rawSingleInsert, ratio: +(http.perSecond / rawSingleInsert.perSecond).toFixed(3) });
      log(`commands at concurrency ${concurrency}: ${http.perSecond}/s p50 ${http.p50ms} ms p99 ${http.p99ms} ms; raw insert ${rawSingleInsert.perSecond}/s`);
    }

    // 5. Query latency on the loaded county.
    const queries = await measureQueries(url, fin, { households, householdsAsOf, payments, batch }, { batchFlow: 20, knownAt: 10, warm: false }, log);
    const memory = { apiMb: peakMb(api.pid), projectorMb: projector ? peakMb(projector.pid) : null, loaderMb: Math.round(peakRss / 1024 / 1024) };
    // 6. The cost of sealing to commands: concurrency 16 with sealing on and with SEAL=off in every process,
    // alternating (off, on, off, on), each round on freshly started processes and fresh lanes, so that
    // neither side has the other's warm caches or a smaller log. Reported: each side's median round.
    const rounds: Record<'on' | 'off', Stats[]> = { on: [], off: [] };
    for (const [round, side] of (['off', 'on', 'off', 'on'] as const).entries()) {
      for (const c of children.splice(0)) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
      const extra: Record<string, string> = side === 'off' ? { SEAL: 'off' } : {};
      children.push(node('api', { RUN_PROJECTIONS: 'off', ...extra }), ...(options.store === 'postgres' ? [node('projector', extra)] : []));
      for (let i = 0; ; i++) {
        if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
        if (i > 600) throw new Error('the api did not start again');
        await new Promise((r) => setTimeout(r, 100));
      }
      const base = 9000 + 100 * round;
      for (let k = 0; k < 16; k++) await setup(base + k, Math.ceil(options.flows / 16) + 1);
      const r = await drive(options.flows, 16, async (i) => {
        const lane = base + (i % 16);
        const id = `BENCH-SEAL-${round}-${i}`;
        await call(fin, '/payments', { paymentId: id, projectId: `BENCH-P${lane}`, allocationId: `BENCH-A${lane}`, amount: '1000.00', purpose: 'bench',
          installment: 'progress', effectiveDate: '2016-02-01', payee: { type: 'contractor', id: `C${i}`, name: '某公司', account: '6222000011112222' } });
        await call(appr, `/payments/${id}/approval`, { approved: true, effectiveDate: '2016-02-01' });
        await call(fin, `/payments/${id}/execution`, { channel: 'bank_transfer', bankReference: `B-${id}`, effectiveDate: '2016-02-02' });
      });
      rounds[side].push(stats(r.latencies.map((l) => l / 3), r.seconds / 3));
    }
    const median = (xs: Stats[]) => [...xs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(xs.length / 2)];
    const sealing = median(rounds.on);
    const notSealing = median(rounds.off);
    log(`commands at concurrency 16, alternating: sealing ${rounds.on.map((x) => x.perSecond).join(', ')}/s; SEAL=off ${rounds.off.map((x) => x.perSecond).join(', ')}/s`);

    for (const c of children) c.kill('SIGTERM');

    const report: BenchReport = {
      store: options.store, preset: options.preset,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
      load: { events, eventsPerSecond: Math.round(events / loadSeconds), rawBatchedInsertRowsPerSecond: raw, ratio: +(events / loadSeconds / raw).toFixed(3), manifestOk },
      catchUpEventsPerSecond: catchUp,
      rebuild: { events, eventsPerSecond: rebuildRate },
      passes,
      commands: commandsReport,
      queries,
      memory,
      detectors,
      seal: { catchUp: sealCatchUp, commandsC16: { sealing, notSealing, ratio: +(sealing.perSecond / notSealing.perSecond).toFixed(3) } },
    };
    mkdirSync(join(options.out, '..'), { recursive: true });
    writeFileSync(options.out, JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    process.off('SIGINT', stopped);
    process.off('SIGTERM', stopped);
    await cleanUp();
  }
}

/**
 * Drops a benchmark's schema. The sessions of a stopped run are ended first, or the drop would
 * wait for them (a lane process ends only once its parent is gone): those named after the schema
 * (PGAPPNAME) and any other client session holding a lock in it. A lane process whose connection
 * was ended opens another and may take a lock again while the drop waits for its own: the drop
 * waits a few seconds at most, and the sessions are ended again, up to three times.
 */
async function dropBenchSchema(databaseUrl: string, schema: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`set lock_timeout = '3s'`);
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`select pg_terminate_backend(a.pid) from pg_stat_activity a
          where a.backend_type = 'client backend' and a.pid <> pg_backend_pid() and (a.application_name = $1 or a.pid in (
            select l.pid from pg_locks l join pg_class r on r.oid = l.relation where r.relnamespace = (select oid from pg_namespace where nspname = $1)))`, [schema]);
        await c.query(`drop schema if exists ${schema} cascade`);
        return;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
  } finally {
    await c.end();
  }
}

/** A connection string whose sessions carry this application name. */
function withAppName(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return url.toString();
}

export function printReport(r: BenchReport): string {
  const lines = [
    `store ${r.store}, preset ${r.preset}, ${r.machine.cpus} cores, node ${r.machine.node}`,
    `bulk load        ${r.load.eventsPerSecond} events/s (${r.load.events} events; raw batched insert ${r.load.rawBatchedInsertRowsPerSecond} rows/s; ratio ${r.load.ratio}); manifest ${r.load.manifestOk ? 'OK' : 'MISMATCH'}`,
    `projection catch-up ${r.catchUpEventsPerSecond} events/s; rebuild ${r.rebuild.eventsPerSecond} events/s` + (r.passes
      ? ` (${r.passes.lanes} lane(s) in ${r.passes.lanesIn}; a plain read of the log ${r.passes.plainReadEventsPerSecond} events/s; ratios ${r.passes.catchUpRatio} and ${r.passes.rebuildRatio})` : ''),
    ...r.commands.map((c) => `commands c=${String(c.concurrency).padEnd(3)} ${c.http.perSecond}/s p50 ${c.http.p50ms} ms p99 ${c.http.p99ms} ms | raw insert ${c.rawSingleInsert.perSecond}/s p50 ${c.rawSingleInsert.p50ms} ms p99 ${c.rawSingleInsert.p99ms} ms | ratio ${c.ratio}`),
    ...Object.entries(r.queries).map(([k, q]) => `query ${k.padEnd(26)} p50 ${q.p50ms} ms p99 ${q.p99ms} ms`),
    `peak memory: api ${r.memory.apiMb} MB${r.memory.projectorMb !== null ? `, projector ${r.memory.projectorMb} MB` : ' (projections in the api: embedded)'}, loader ${r.memory.loaderMb} MB`,
    ...(r.detectors ? printDetectors(r.detectors) : []),
    ...(r.seal ? printSeal(r.seal) : []),
  ];
  return lines.join('\n');
}

function printSeal(x: NonNullable<BenchReport['seal']>): string[] {
  return [
    `sealer catch-up from nothing ${x.catchUp.eventsPerSecond} events/s over ${x.catchUp.events} events, ${x.catchUp.checkpoints} checkpoints (goal ≥ ${SEAL_GOALS.catchUpEventsPerSecond}); ` +
      `a plain read of the log ${x.catchUp.readOnlyEventsPerSecond} events/s (ratio ${x.catchUp.ratio})`,
    `commands at concurrency 16 (median of two alternating rounds each): sealing ${x.commandsC16.sealing.perSecond}/s p99 ${x.commandsC16.sealing.p99ms} ms; SEAL=off ${x.commandsC16.notSealing.perSecond}/s ` +
      `p99 ${x.commandsC16.notSealing.p99ms} ms (ratio ${x.commandsC16.ratio})`,
  ];
}

/** Events per second of a plain read of the whole log, batch by batch: the baseline a pass over the log is set beside. */
async function plainReadRate(store: PostgresEventStore, events: number): Promise<number> {
  const t0 = performance.now();
  for await (const batch of readAllInBatches(store)) void batch;
  return Math.round(events / ((performance.now() - t0) / 1000));
}

/**
 * The sealer alone over the whole log from nothing (its tables dropped: a bench may), and a plain
 * read of the same log in the same run: what hashing, chaining and signing add to reading.
 */
async function measureSealCatchUp(store: PostgresEventStore, db: Db, key: SealKey, events: number, log: (line: string) => void) {
  const readOnly = await plainReadRate(store, events);
  await db.exec(`${SEAL_TABLES.map((t) => `drop table if exists ${t};`).join(' ')} delete from projection_checkpoints where name = '${SEAL_PROJECTION}'`);
  const options = { key, everyEvents: 1000, everySeconds: 60, logName: 'bench' };
  const runner = new ProjectionRunner(store, db, [sealerProjection(options)]);
  const t1 = performance.now();
  await runner.catchUpTogether();
  await sealPending(db, options, true);
  const rate = Math.round(events / ((performance.now() - t1) / 1000));
  const checkpoints = (await sealStatus(db)).lastCheckpoint?.body.no ?? 0;
  log(`sealer caught up from nothing at ${rate} events/s (${checkpoints} checkpoints); a plain read of the log ${readOnly} events/s`);
  return { events, eventsPerSecond: rate, readOnlyEventsPerSecond: readOnly, ratio: +(rate / readOnly).toFixed(3), checkpoints };
}

function printDetectors(d: NonNullable<BenchReport['detectors']>): string[] {
  if ('unavailable' in d) return [`red-flag detectors: not measured: ${d.unavailable}`];
  const pct = (x: number | null) => (x === null ? '   -' : `${(x * 100).toFixed(0).padStart(3)}%`);
  const g = DETECTOR_GOALS;
  const injected = d.scores.filter((x) => x.injected > 0);
  const found = injected.reduce((n, x) => n + Math.round((x.recall ?? 0) * x.injected), 0);
  const matched = d.scores.reduce((n, x) => n + x.matched, 0);
  return [
    `red-flag detectors: ${d.anomalies} anomalies injected, ${d.alerts} alerts raised (goals: recall ${g.recall * 100}%, precision ≥ ${g.precision * 100}%)`,
    '  rule  variant                             injected detected matched recall precision',
    ...d.scores.map((x) => `  ${x.ruleId.padEnd(5)} ${x.variant.padEnd(35)} ${String(x.injected).padStart(8)} ${String(x.detected).padStart(8)} ${String(x.matched).padStart(7)}   ${pct(x.recall)}    ${pct(x.precision)}`),
    `  all                                       ${String(d.anomalies).padStart(8)} ${String(d.alerts).padStart(8)} ${String(matched).padStart(7)}   ${pct(d.anomalies ? found / d.anomalies : null)}    ${pct(d.alerts ? matched / d.alerts : null)}`,
    `red_flags catch-up from zero ${d.catchUp.logEventsPerSecond} events/s (goal ≥ ${g.catchUpEventsPerSecond}); GET /alerts p50 ${d.alertList.p50ms} ms p99 ${d.alertList.p99ms} ms (goal p99 ≤ ${g.alertListP99Ms} ms)`,
  ];
}

/** Reads every alert, scores it against the anomalies, and times the first page of the alert list. */
async function measureDetectors(url: string, authorization: string, anomalies: Anomaly[], catchUp: { applied: number; seconds: number; logEventsPerSecond: number } | undefined,
  unavailable: string | undefined, log: (line: string) => void): Promise<NonNullable<BenchReport['detectors']>> {
  if (!catchUp) return { unavailable: unavailable ?? 'no red_flags projection' };
  const probe = await fetch(`${url}/alerts?limit=1`, { headers: { authorization } });
  if (probe.status === 404) return { unavailable: 'the api has no GET /alerts route yet' };
  const alerts = await readAllAlerts(url, authorization);
  const scores = scoreDetectors(anomalies, alerts);
  // The same clients as the other queries, warmed the same way.
  const client = new BenchHttpClient(url, 4);
  let alertList: Stats;
  try {
    alertList = await warmedRun((p) => client.get(p, { authorization }), 200, () => '/alerts?limit=100');
  } finally {
    client.close();
  }
  log(`detectors: ${alerts.length} alerts for ${anomalies.length} anomalies; GET /alerts p50 ${alertList.p50ms} ms p99 ${alertList.p99ms} ms`);
  return { anomalies: anomalies.length, alerts: alerts.length, scores, catchUp, alertList };
}

/**
 * Query latency against an already loaded database (DATABASE_URL and DATABASE_SCHEMA, or
 * DATA_DIR): starts the api as deployed, in its own process, and measures the same queries as
 * the full benchmark. For a county loaded with `npm run load`.
 */
/**
 * The api or the projector as `npm start` runs it: compiled by `npm run build` (once per
 * benchmark) and started from dist/, so speed and memory are those of the deployed process.
 */
let built = false;
/** The node flags of `npm run serve` / `serve:projector` (package.json), read from there so the two cannot drift. */
const serveFlags = (script: string) => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts[script] as string).split(' ').filter((a) => a.startsWith('--'));
export function deployed(app: 'api' | 'projector', env: NodeJS.ProcessEnv): ChildProcess {
  if (!built) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  built = true;
  return spawn(process.execPath, [...serveFlags(app === 'api' ? 'serve' : 'serve:projector'), '-r', 'tsconfig-paths/register', `dist/apps/${app}/src/main.js`],
    { cwd: ROOT, env: { ...env, TS_NODE_BASEURL: './dist' }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Peak resident memory of a process, in MB (Linux). */
function peakMb(pid: number | undefined): number | null {
  const status = pid ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

/**
 * The query phase of both benchmarks: each read the README reports, 4 clients at a time,
 * against a running api. A knownAt summary reads the rollups by recorded hour and scans only the
 * postings of the instant's own hour, which in a bulk-loaded county is a large part of it: the
 * instants within the history are measured apart from "now".
 */
async function measureQueries(url: string, authorization: string,
  sample: { households: string[]; householdsAsOf: string[]; payments: string[]; batch: string | undefined; recordedInstants?: string[]; fresh?: FreshApiSample },
  runs: { batchFlow: number; knownAt: number; warm: boolean }, log: (line: string) => void): Promise<Record<string, Stats>> {
  const { households, payments, batch } = sample;
  const client = new BenchHttpClient(url, 4);
  const get = (path: string) => client.get(path, { authorization });
  const queries: Record<string, Stats> = {};
  const measure = async (name: string, n: number, path: (i: number) => string, warm = runs.warm) => {
    queries[name] = await warmedRun(get, n, path, warm);
    log(`${name}: p50 ${queries[name].p50ms} ms p99 ${queries[name].p99ms} ms`);
  };
  try {
    const fresh = sample.fresh;
    if (fresh) {
      // The api is fresh; this process's client must not be: its own first requests cost it 0.8–1.0 ms of CPU each on
      // the same two cores, against 0.2–0.3 later, and would be counted as the api's. Warmed on a stub of its own.
      await warmClientCode();
      // A freshly started api's first 1,000 requests, with no warm-up at all, over households of their own: its code
      // is still being compiled. On the county this cost the api 2.2–2.6 ms of CPU per household view and PostgreSQL
      // 1.6–1.8, against 1.2–1.4 and 1.0–1.1 after 3,000. (This process's own client is new too: 0.8–1.0 ms of CPU
      // per request at first, against 0.2–0.3 later, on the same two cores.)
      await measure(`household view, first ${COLD_START_REQUESTS} requests after the api starts`, COLD_START_REQUESTS,
        (i) => `/households/${fresh.start[i % fresh.start.length]}`, false);
      // Then as a running api serves: warmed with household views and payment traces (one in five) of other
      // households and payments than the measured ones, so that each measured household is read for the first time.
      const warmUp: string[] = [];
      for (let i = 0, h = 0, p = 0; i < WARM_UP_REQUESTS; i++) {
        warmUp.push(i % 5 === 4 ? `/payments/${fresh.payments[p++ % fresh.payments.length]}/trace` : `/households/${fresh.households[h++ % fresh.households.length]}`);
      }
      await drive(WARM_UP_REQUESTS, 4, (i) => get(warmUp[i]));
    } else if (runs.warm) {
      log(`household view: too few households (${households.length}) to measure a fresh api's first requests apart`);
    }
    // 1,000 requests each: the p99 of 200 was their second slowest, one pause of any of the three processes. After the
    // warm-up above, 1,000 households each read once, and then again.
    const warmEach = fresh ? false : runs.warm;
    await measure('household view', 1000, (i) => `/households/${households[i % households.length]}`, warmEach);
    await measure('household view, second pass', 1000, (i) => `/households/${households[i % households.length]}`, warmEach);
    const early = sample.householdsAsOf;
    if (early.length) await measure('household view asOf', 1000, (i) => `/households/${early[i % early.length]}?asOf=${HOUSEHOLD_AS_OF}`);
    await measure('payment trace', 1000, (i) => `/payments/${payments[i % payments.length]}/trace`);
    await measure('batch flow', runs.batchFlow, () => `/fund-batches/${batch}/flow`);
    await measure('admin-unit summary', 100, () => '/admin-units/990101000000/summary');
    await measure('admin-unit summary asOf', 100, (i) => `/admin-units/990101000000/summary?asOf=${ASOF_DATES[i % ASOF_DATES.length]}`);
    await measure('admin-unit summary knownAt', runs.knownAt, () => `/admin-units/990101000000/summary?knownAt=${new Date().toISOString()}`);
    // The inspector's desk: the first page of the alert list (an older api without it says so instead of failing).
    if ((await fetch(`${url}/alerts?limit=1`, { headers: { authorization } })).status !== 404) await measure('alert list (GET /alerts?limit=100)', 200, () => '/alerts?limit=100');
    // Instants inside the recorded history: the hours before from the rollups, the rest of the instant's hour from postings.
    if (sample.recordedInstants?.length) {
      await measure('admin-unit summary knownAt, instants within the history', runs.knownAt,
        (i) => `/admin-units/990101000000/summary?knownAt=${sample.recordedInstants![i % sample.recordedInstants!.length]}`);
    }
  } finally {
    client.close();
  }
  return queries;
}

/**
 * One query timed over n requests at 4 clients. A long-running api has compiled its hot paths:
 * each query is first warmed with 50 requests of its own, so the figure is the served latency,
 * not the first minutes of a process (a cold p99 is about twice as high).
 */
async function warmedRun(get: (path: string) => Promise<void>, n: number, path: (i: number) => string, warm = true): Promise<Stats> {
  if (warm) await drive(50, 4, (i) => get(path(i + n)));
  const run = await drive(n, 4, (i) => get(path(i)));
  return stats(run.latencies, run.seconds);
}

/**
 * Runs this process's HTTP client (BenchHttpClient over node's http) through 3,000 requests to a
 * stub server in this process that answers as a household view does (about 8 KB of JSON), so the
 * cold-start pass times the api's first requests and not the client's.
 */
async function warmClientCode(): Promise<void> {
  const body = JSON.stringify({ filler: 'x'.repeat(8000) });
  const stub = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const client = new BenchHttpClient(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`, 4);
  try {
    await drive(3000, 4, (i) => client.get(`/households/STUB-${i}`, { authorization: 'Bearer stub' }));
  } finally {
    client.close();
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  }
}

/** The requests of the cold-start pass, and of the warm-up after it (until a running api's per-request CPU, measured on the county, stops falling). */
const COLD_START_REQUESTS = 1000;
const WARM_UP_REQUESTS = 3000;

/** The business date the household view is also read as of. */
const HOUSEHOLD_AS_OF = '2017-06-30';

/** What a freshly started api is first asked (`start`), and warmed up with, apart from the measured households and payments. */
type FreshApiSample = { start: string[]; households: string[]; payments: string[] };

/**
 * Up to 500 households to read, and up to 500 of those registered by HOUSEHOLD_AS_OF (the view of
 * one registered later is a 404 as of then). With `fresh`, 1,000 to read, each once per pass, and
 * apart from them 500 for a fresh api's first requests and 1,500 to warm it up with (none when
 * the county has too few).
 */
async function sampleHouseholds(db: Db, order: 'household_id' | 'md5(household_id)', fresh = false) {
  const pick = async (where: string, params: unknown[], limit: number, offset = 0) =>
    (await db.query<{ id: string }>(`select household_id as id from rm_households ${where} order by ${order} limit ${limit} offset ${offset}`, params)).rows.map((r) => r.id);
  const households = await pick('', [], fresh ? 1000 : 500);
  const householdsAsOf = await pick('where registered_on <= $1::date', [HOUSEHOLD_AS_OF], 500);
  if (!fresh) return { households, householdsAsOf };
  const [start, warmUp] = [await pick('', [], 500, 1000), await pick('', [], 1500, 1500)];
  return { households, householdsAsOf, fresh: start.length === 500 && warmUp.length === 1500 ? { start, warmUp } : undefined };
}

/** Business dates spread over the period, so the asOf figures are not one cached answer. */
const ASOF_DATES = ['2014-12-31', '2015-06-30', '2016-03-31', '2016-12-31', '2017-06-30', '2018-09-30', '2019-12-31', '2020-06-30'];

/**
 * The detectors from nothing over the loaded log (red_flags rebuilt, as `npm run cli -- rebuild
 * red_flags` does), beside a plain read of the same log in the same run: the figure issue goals
 * speak of at county scale, and what detecting costs over reading.
 */
async function measureDetectorsRebuild(db: Db, events: number, log: (line: string) => void) {
  const store = await PostgresEventStore.create(db);
  const plainRead = await plainReadRate(store, events);
  const runner = new ProjectionRunner(store, db, (await import('@yuantrace/read-models')).readModelProjections());
  const t1 = performance.now();
  await runner.rebuild('red_flags');
  const seconds = (performance.now() - t1) / 1000;
  const eventsPerSecond = Math.round(events / seconds);
  log(`red_flags rebuilt from nothing: ${events} events in ${seconds.toFixed(1)} s, ${eventsPerSecond} events/s (goal ≥ ${DETECTOR_GOALS.catchUpEventsPerSecond}); ` +
    `a plain read of the log ${plainRead} events/s`);
  return { events, seconds: +seconds.toFixed(1), eventsPerSecond, plainReadEventsPerSecond: plainRead, ratio: +(eventsPerSecond / plainRead).toFixed(3) };
}

export async function benchQueriesOnly(log: (line: string) => void, options: { detectors?: boolean } = {}): Promise<{ queries: Record<string, Stats>; apiMb: number | null;
  detectorsRebuild?: Awaited<ReturnType<typeof measureDetectorsRebuild>> }> {
  const config = loadConfig();
  const db: Db = config.databaseUrl ? await PgDb.connect(config.databaseUrl, { schema: config.databaseSchema }) : await PgliteDb.open(config.dataDir);
  const sampled = await sampleHouseholds(db, 'md5(household_id)', true);
  const { households, householdsAsOf } = sampled;
  // 500 payments to measure, and 500 others to warm a fresh api up with.
  const somePayments = (await db.query<{ id: string }>(`select payment_id as id from rm_payments order by md5(payment_id) limit 1000`)).rows.map((r) => r.id);
  const payments = somePayments.slice(0, 500);
  const fresh: FreshApiSample | undefined = sampled.fresh && somePayments.length === 1000
    ? { start: sampled.fresh.start, households: sampled.fresh.warmUp, payments: somePayments.slice(500) } : undefined;
  const batch = (await db.query<{ id: string }>(`select batch_id as id from rm_batches where parent_batch_id is not null order by batch_id limit 1`)).rows[0]?.id;
  const events = (await db.query<{ n: string }>('select count(*)::text as n from events')).rows[0].n;
  // Five instants spread over the recorded history (a bulk-loaded county was all recorded within minutes).
  const range = (await db.query<{ lo: unknown; hi: unknown }>('select min(recorded_at) as lo, max(recorded_at) as hi from postings')).rows[0];
  const [lo, hi] = [new Date(range.lo as string).getTime(), new Date(range.hi as string).getTime()];
  const recordedInstants = range.lo ? [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => new Date(lo + Math.round((hi - lo) * f)).toISOString()) : [];
  log(`${events} events, ${households.length} sample households, ${payments.length} sample payments`);
  // Before the api starts, so that it reads the tables the rebuild left (and the two do not share the cores).
  const detectorsRebuild = options.detectors ? await measureDetectorsRebuild(db, Number(events), log) : undefined;
  await db.close();
  // Chosen by the system: a random one collided with a connection's own ephemeral port.
  const port = await freePort();
  const api = deployed('api', { ...process.env, PORT: String(port), DEMO_DATA: 'off', LOG_LEVEL: 'warn', RUN_PROJECTIONS: 'off', NODE_OPTIONS: '' });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      if (i > 600) throw new Error('the api did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const auth = `Bearer ${new TokenService(config).issue({ id: 'bench-auditor', role: 'auditor', scope: '990000000000' })}`;
    const queries = await measureQueries(url, auth, { households, householdsAsOf, payments, batch, recordedInstants, fresh },
      { batchFlow: 3, knownAt: 10, warm: true }, log);
    return { queries, apiMb: peakMb(api.pid), ...(detectorsRebuild ? { detectorsRebuild } : {}) };
  } finally {
    api.kill('SIGTERM');
  }
}
