import 'reflect-metadata';
import { BULK_LOAD_STATE_CACHE_SIZE, generate, type Manifest, type Preset, checkManifest, loadCommands } from '@yuantrace/ledger';
import { SingleBar, Presets } from 'cli-progress';
import { ProjectionRunner } from '@yuantrace/projections';
import { listAlerts, readModelProjections, verifyReadModels, type AlertView } from '@yuantrace/read-models';
import { ROLES, shanghaiToday, type Role } from '@yuantrace/domain';
import { scoreDetectors, type Anomaly } from '@yuantrace/ledger';
import { DEMO_PRINCIPALS } from '@yuantrace/ledger';
import { TokenService } from '@yuantrace/ledger';
import { ConfigError, loadConfig } from '@yuantrace/ledger';
import { openStorage } from '@yuantrace/ledger';
import { PersonalDataVault } from '@yuantrace/ledger';
import { configuredSealKey, createLedgerContext, SEAL_OPTIONS, sealSetup } from '@yuantrace/ledger';
import { exportAudit, parsePublicKey, SealKey, sealerProjection, sealPending, sealStatus, verifyLiveSeal, type PublicKeyInfo, type SealOptions, type SignedCheckpoint } from '@yuantrace/seal';
import type { Db } from '@yuantrace/event-store';
import { BulkLoadEventStore, EventStore, formatPosition, PgliteDb, PostgresEventStore, START, untilVisibleToHead } from '@yuantrace/event-store';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { benchQueriesOnly, printReport, runBench } from './bench/bench';
import { catchUpInLanes, passLaneCommand, rebuildAllInLanes, type PassInProcesses } from './lane-processes';

const USAGE = `usage: npm run cli -- <command>
  rebuild <projection|all>   drop a projection's tables and rebuild them from the event log
  projections                list the projections and their checkpoints
  token --principal ID --role ROLE --scope CODE [--home CODE] [--ttl-hours N]
                             issue a bearer token (roles: ${ROLES.join(', ')}); --home: the principal's own county
                             or higher, which cross-inspection cases (R-30) refuse (default: the scope)
  demo-tokens                print the tokens of the demo principals
  erase-personal-data --household ID --reason TEXT
                             on a lawful request: blank the identity numbers of a household's members in the
                             personal-data vault; events, amounts and chains stay as they are
  generate --preset tiny|demo|county [--seed N] [--out FILE]
                             write a synthetic county as commands (FILE, default data/<preset>-<seed>.jsonl), its
                             expected totals (FILE.manifest.json) and the red-flag anomalies injected into it, one JSON
                             line each (FILE without .jsonl + .anomalies.jsonl); the same seed gives the same bytes
  load FILE                  feed a generated file through the ledger's own services (resumable), then check the
                             books against its manifest to the fen
  score-detectors FILE       compare the alerts the red-flag detectors raised on the loaded county with the
                             anomalies the generator injected (FILE: its .anomalies.jsonl): recall and precision
                             per rule and variant
  bench [--store postgres|embedded|both] [--preset tiny|demo|county] [--seed N] [--flows N]
                             load a generated county, then measure bulk load, catch-up, rebuild, commands over
                             HTTP at concurrency 1/16/64 and queries, each beside a raw baseline; writes JSON
  bench --web               the web console in Chromium: the desk's first page and a county batch's Sankey, beside their api calls
  bench --queries-only       query latencies against the database already loaded (DATABASE_URL/SCHEMA or DATA_DIR);
                             with --detectors it first rebuilds red_flags from nothing beside a plain read of the log
  bench --soak MINUTES       steady commands and reads while the projector is killed and PostgreSQL restarts
                             (a server of its own); errors by kind, p99 over time, memory, and a verify
  verify [--key FILE] [--expect FILE] [--seal-only]
                             rebuild every read model into a scratch schema, compare it row by row with
                             the live one, and check that every fund batch balances to the fen; then check
                             the live log against its signed checkpoints (--key: the public key to trust, else
                             the configured sealing key's; --expect: a checkpoint obtained earlier, which the
                             log must still hold); names the first event altered, deleted, inserted or moved
  seal                       bring the seal up to the head of the log now and sign a checkpoint for what waits
                             (after a bulk load, before an export); needs the sealing key
  seal-keygen [--alg ed25519|sm2] --out FILE
                             make a checkpoint-signing key (FILE, for SEAL_KEY_FILE) and its public half
                             (FILE.pub.json, for auditors); SM2 with SM3 is the national (国密) suite
  export-audit --to DIR [--stream STREAM | --unit CODE]
                             write what an outside auditor needs to check the log with nothing but a public
                             key: events, signed checkpoints, seal records or inclusion proofs, and the
                             standalone verifier (node DIR/yuantrace-verify.js DIR --key KEY)
  backup --to FILE           the embedded store (DATA_DIR) as one consistent gzipped tarball; refused while
                             another process holds the store (stop the api first). On a server: pg_dump (README)
  restore --from FILE        recreate the embedded store from a backup in DATA_DIR, which must be empty`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function tokenService() {
  return new TokenService(loadConfig());
}

function token(args: string[]) {
  const id = option(args, 'principal');
  const role = option(args, 'role') as Role | undefined;
  const scope = option(args, 'scope');
  const ttl = option(args, 'ttl-hours');
  const home = option(args, 'home');
  if (!id || !role || !scope) throw new UsageError('token needs --principal, --role and --scope');
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (ttl !== undefined && !/^[0-9]{1,5}$/.test(ttl)) throw new UsageError('--ttl-hours must be a whole number');
  process.stdout.write(tokenService().issue({ id, role, scope, ...(home ? { home } : {}) }, ttl ? Number(ttl) * 3600 : undefined) + '\n');
}

function demoTokens() {
  const tokens = tokenService();
  for (const p of DEMO_PRINCIPALS) process.stdout.write(`${p.role.padEnd(10)} ${p.id.padEnd(16)} scope ${p.scope}  ${tokens.issue(p)}\n`);
}

async function rebuild(target: string | undefined) {
  if (!target) throw new UsageError('rebuild needs a projection name or "all"');
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    const runner = readModelRunner(storage, config);
    const progress = (name: string) => {
      const bar = new SingleBar({ format: `${name.padEnd(24)} [{bar}] {percentage}% {value}/{total} events | {eta_formatted} left` }, Presets.shades_classic);
      let started = false;
      return {
        update: (done: number, total: number) => {
          if (!started) bar.start(total, 0);
          started = true;
          bar.setTotal(total);
          bar.update(done);
        },
        stop: () => bar.stop(),
      };
    };
    // All of them: one pass over the log feeds every projection.
    const name = target === 'all' ? 'all read models' : target;
    const bar = progress(name);
    const started = Date.now();
    // All of them on a server in lane processes (lane-processes.ts) unless PROJECTION_LANE_PROCESSES=off.
    const { applied, inProcesses } = target === 'all' ? await rebuildAllInLanes(runner, storage.db, config, bar.update) : { applied: await runner.rebuild(target, bar.update) };
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`rebuilt ${name}: ${applied} events in ${seconds.toFixed(1)} s (${Math.round(applied / Math.max(seconds, 0.001))} events/s)\n`);
    if (target === 'all') process.stdout.write(passTimings(runner, inProcesses));
  } finally {
    await storage.db.close();
  }
}

/** Where a one-pass catch-up or rebuild spent its time, slowest projection first, and when each lane ended: the lane processes' pass when there was one, else the runner's lanes (connections of this process). */
function passTimings(runner: ProjectionRunner, inProcesses?: PassInProcesses): string {
  const pass = inProcesses ?? { passMs: runner.lastPassMs, lanes: runner.lastLanes };
  const lanesIn = inProcesses ? 'processes' : 'connections';
  const spent = [...pass.passMs.entries()].sort((a, b) => b[1] - a[1]);
  const lanes = pass.lanes.map((l) => `${(l.ms / 1000).toFixed(1)} s (${l.projections.join(', ')})`);
  return `time per projection: ${spent.map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ')}\n` +
    (lanes.length > 1 ? `lanes (${lanesIn}) ended after: ${lanes.join('; ')}\n` : '');
}

async function projections() {
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    const runner = readModelRunner(storage, config);
    await runner.setup();
    for (const s of await runner.status()) process.stdout.write(`${s.name}\tcheckpoint ${s.checkpoint}\tlag ${s.lag}\n`);
  } finally {
    await storage.db.close();
  }
}

async function verify(args: string[]) {
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    if (!args.includes('--seal-only')) await verifyBooks(storage);
    await verifySeal(storage.store, storage.db, config, option(args, 'key'), option(args, 'expect'));
  } finally {
    await storage.db.close();
  }
}

/** The key a check trusts: the one named on the command line, else the configured sealing key's public half. */
function trustedKey(config: ReturnType<typeof loadConfig>, keyFile: string | undefined): PublicKeyInfo | undefined {
  if (keyFile) return parsePublicKey(readFileSync(keyFile, 'utf8'));
  return configuredSealKey(config)?.pub;
}

async function verifySeal(store: EventStore, db: Db, config: ReturnType<typeof loadConfig>, keyFile?: string, expectFile?: string) {
  const status = await sealStatus(db);
  const pub = trustedKey(config, keyFile);
  if (!status.lastCheckpoint && !expectFile) {
    // With a key to trust, a log of events and no checkpoint is itself a finding: the seal's tables
    // emptied leave nothing else to see (unless the log is younger than SEAL_EVERY_SECONDS).
    const events = await store.countAfter(START);
    if (pub && events > 0n) {
      process.stdout.write(`TAMPERED no_checkpoints: the log has ${events} events and no signed checkpoint: the seal's tables were emptied, or this log was never sealed (or its first events are younger than SEAL_EVERY_SECONDS)\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(status.sealed > 0 ? `SEAL: ${status.sealed} events chained, no checkpoint signed yet\n` : 'SEAL: the log has not been sealed (no checkpoints)\n');
    return;
  }
  if (!pub) throw new UsageError('the log has signed checkpoints: pass --key FILE (the public key you trust) or configure SEAL_KEY_FILE');
  const held = expectFile ? (JSON.parse(readFileSync(expectFile, 'utf8')) as { checkpoint?: SignedCheckpoint } & SignedCheckpoint) : undefined;
  const report = await verifyLiveSeal(store, db, pub, held?.checkpoint ?? held, (n) => process.stderr.write(`\rchecked ${n} events against the seal`));
  process.stderr.write('\n');
  for (const p of report.problems) process.stdout.write(`TAMPERED ${p.kind}: ${p.message}\n`);
  if (report.ok) {
    process.stdout.write(`SEAL OK: ${report.eventsChecked} events match ${report.checkpoints} checkpoints signed by ${pub.alg} key ${pub.keyId}` +
      (report.unsealed ? `; ${report.unsealed} newer events await the next checkpoint` : '') + '\n');
  } else process.exitCode = 1;
}

/** The read models' runner, its one-pass catch-ups and rebuilds in the configured lanes (PROJECTION_LANES). */
const readModelRunner = (storage: { store: EventStore; db: Db }, config: { projectionLanes: number }) =>
  new ProjectionRunner(storage.store, storage.db, readModelProjections(), { lanes: config.projectionLanes });

async function verifyBooks(storage: { store: EventStore; db: Db }) {
  const runner = new ProjectionRunner(storage.store, storage.db, readModelProjections());
    await runner.setup();
    const report = await verifyReadModels(storage.store, storage.db, readModelProjections(), (n) => process.stderr.write(`\rreplayed ${n} events`));
    process.stderr.write('\n');
    process.stdout.write(`verified up to ${report.position ?? 'an empty log'}: ${report.eventsReplayed} events replayed\n`);
    for (const d of report.differences) process.stdout.write(`DIFF ${d.table} ${d.side}: ${JSON.stringify(d.row)}\n`);
    for (const c of report.conservation) process.stdout.write(`UNBALANCED ${c.batchId}: ${c.problem}\n`);
    for (const d of report.defects) process.stdout.write(`DEFECT ${d.code} ${d.subject}: ${d.message}\n`);
    for (const l of report.lagging) process.stdout.write(`LAGGING ${l}: not caught up with the log; run the projector first\n`);
    process.stdout.write(report.ok ? 'OK: read models equal a rebuild, and the books agree with an independent fold of the log\n' : 'FAILED\n');
    if (!report.ok) process.exitCode = 1;
}

async function sealCommand() {
  const config = loadConfig();
  const setup = sealSetup(config);
  if (!setup.options) throw new UsageError(setup.note);
  const storage = await openStorage(config);
  try {
    const runner = new ProjectionRunner(storage.store, storage.db, [sealerProjection(setup.options)]);
    const started = Date.now();
    const applied = await runner.catchUpTogether(undefined, (done, total) => process.stderr.write(`\rsealed ${done}/${total} events`));
    const signed = await sealPending(storage.db, setup.options, true);
    const seconds = (Date.now() - started) / 1000;
    const status = await sealStatus(storage.db);
    process.stderr.write('\n');
    process.stdout.write(`sealed ${applied} events in ${seconds.toFixed(1)} s (${Math.round(applied / Math.max(seconds, 0.001))} events/s)${signed ? `; signed checkpoint ${signed.body.no}` : ''}; ` +
      `the seal covers ${status.sealed} events in ${status.lastCheckpoint?.body.no ?? 0} checkpoints, chain head ${status.lastCheckpoint?.body.chainHead ?? '-'}\n`);
  } finally {
    await storage.db.close();
  }
}

function sealKeygen(args: string[]) {
  const alg = option(args, 'alg') ?? 'ed25519';
  const out = option(args, 'out');
  if (alg !== 'ed25519' && alg !== 'sm2') throw new UsageError('--alg is ed25519 or sm2');
  if (!out) throw new UsageError('seal-keygen needs --out FILE');
  const text = SealKey.generate(alg === 'sm2' ? 'sm2-sm3' : 'ed25519');
  writeFileSync(out, text, { mode: 0o600, flag: 'wx' });
  const pub = SealKey.parse(text).publicDocument();
  writeFileSync(`${out}.pub.json`, JSON.stringify(pub, null, 2) + '\n', { flag: 'wx' });
  process.stdout.write(`wrote the private key to ${out} (SEAL_KEY_FILE=${out}; keep it off the database server) and the public key ${pub.keyId} to ${out}.pub.json\n`);
}

async function exportAuditCommand(args: string[]) {
  const dir = option(args, 'to');
  const stream = option(args, 'stream');
  const unit = option(args, 'unit');
  if (!dir) throw new UsageError('export-audit needs --to DIR');
  if (stream && unit) throw new UsageError('export-audit takes --stream or --unit, not both');
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    const status = await sealStatus(storage.db);
    const pub = configuredSealKey(config)?.publicDocument() ?? status.publicKey;
    if (!status.lastCheckpoint || !pub) throw new UsageError('the log has no signed checkpoint yet: run the api or projector with a sealing key first');
    const result = await exportAudit(storage.store, storage.db, dir, { stream, unit }, pub, (n) => process.stderr.write(`\rexported ${n} events`));
    process.stderr.write('\n');
    process.stdout.write(`exported the ${result.scope}: ${result.events} events, ${result.checkpoints} checkpoints${result.proofs ? `, ${result.proofs} inclusion proofs` : ''} to ${dir}\n` +
      `check it with: node ${dir}/yuantrace-verify.js ${dir} --key PUBLIC_KEY_FILE\n`);
  } finally {
    await storage.db.close();
  }
}

/** Every alert of the loaded county (read as a national inspector would, paged), scored against the injected anomalies. */
async function scoreDetectorsCommand(args: string[]) {
  const file = args[0];
  if (!file) throw new UsageError('score-detectors needs the .anomalies.jsonl file the generator wrote');
  const anomalies = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Anomaly);
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    const runner = readModelRunner(storage, config);
    await runner.setup();
    await runner.catchUpTogether(['red_flags']);
    const alerts: AlertView[] = [];
    for (let after: string | undefined, first = true; first || after; first = false) {
      const page = await listAlerts(storage.db, {}, { unitPrefix: '', limit: 500, after, today: shanghaiToday(new Date()) });
      alerts.push(...page.alerts);
      after = page.next ?? undefined;
    }
    const scores = scoreDetectors(anomalies, alerts);
    const pct = (v: number | null) => (v === null ? '   -' : `${Math.round(v * 100)}%`.padStart(4));
    process.stdout.write(`${anomalies.length} anomalies injected, ${alerts.length} alerts raised\n  rule  variant                             injected detected matched recall precision\n`);
    for (const x of scores) {
      process.stdout.write(`  ${x.ruleId.padEnd(5)} ${x.variant.padEnd(35)} ${String(x.injected).padStart(8)} ${String(x.detected).padStart(8)} ${String(x.matched).padStart(7)}   ${pct(x.recall)}    ${pct(x.precision)}\n`);
    }
  } finally {
    await storage.db.close();
  }
}

async function erasePersonalData(args: string[]) {
  const householdId = option(args, 'household');
  const reason = option(args, 'reason');
  if (!householdId || !reason) throw new UsageError('erase-personal-data needs --household and --reason');
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    const vault = new PersonalDataVault(storage.db, config);
    await vault.onModuleInit();
    const refs = await vault.refsOfHousehold(householdId);
    if (refs.length === 0) throw new Error(`household ${householdId} is not in the read models (run the projector first)`);
    let erased = 0;
    for (const ref of refs) if (await vault.erase(ref, reason)) erased++;
    process.stdout.write(`erased ${erased} of ${refs.length} identity numbers of household ${householdId}\n`);
  } finally {
    await storage.db.close();
  }
}

/** --preset, tiny by default; any other name is a usage error, not a county of nothing. */
function presetOption(args: string[]): Preset {
  const preset = option(args, 'preset') ?? 'tiny';
  if (!['tiny', 'demo', 'county'].includes(preset)) throw new UsageError(`--preset must be tiny, demo or county (got "${preset}")`);
  return preset as Preset;
}

function generateCommand(args: string[]) {
  const preset = presetOption(args);
  const seedText = option(args, 'seed') ?? '1';
  if (!/^[0-9]{1,9}$/.test(seedText)) throw new UsageError('--seed must be a whole number');
  const file = option(args, 'out') ?? `data/${preset}-${seedText}.jsonl`;
  const started = Date.now();
  const { commands, manifest, anomalies } = generate(preset, Number(seedText));
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, commands.map((c) => JSON.stringify(c)).join('\n') + '\n');
  writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
  // The ground truth for the red-flag detectors: one injected anomaly a line.
  const anomaliesFile = anomaliesFileOf(file);
  writeFileSync(anomaliesFile, anomalies.map((a) => JSON.stringify(a)).join('\n') + '\n');
  process.stdout.write(`wrote ${commands.length} commands for ${manifest.households} households to ${file}, and ${anomalies.length} injected anomalies to ${anomaliesFile} (${Date.now() - started} ms)\n`);
}

/** data/demo-1.jsonl → data/demo-1.anomalies.jsonl */
const anomaliesFileOf = (file: string) => `${file.replace(/\.jsonl$/, '')}.anomalies.jsonl`;

async function loadCommand(args: string[]) {
  const file = args[0];
  if (!file) throw new UsageError('load needs a FILE written by generate');
  const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as Manifest;
  // Projections stand still during the load and catch up afterwards in large batches: on the
  // embedded store they would otherwise contend with every command for its one connection.
  const config = { ...loadConfig(), logLevel: 'warn' as const, runProjections: false, demoData: false };
  const { loaded, resumedAt, events, seconds, settleMs } = await loadPhase(file, manifest, config);
  process.stdout.write(`loaded ${loaded} commands (resumed at ${resumedAt}), ${events} events in ${seconds.toFixed(1)} s: ${Math.round(events / seconds)} events/s\n`);
  if (settleMs > 0) process.stdout.write(`events table vacuumed and analyzed in ${(settleMs / 1000).toFixed(1)} s\n`);
  // The catch-up runs in a context of its own: the load's gigabytes of folded streams and command
  // lines are garbage by then, and a collector that kept marking them doubled the catch-up's time.
  const storage = await openStorage(config);
  const app = await createLedgerContext(config, { storage });
  try {
    const projecting = Date.now();
    const runner = app.get(ProjectionRunner);
    const inProcesses = await catchUpInLanes(runner, storage.db, config);
    // A load ends sealed: the events still waiting for a checkpoint get one now.
    const seal = app.get<SealOptions | null>(SEAL_OPTIONS);
    if (seal) await sealPending(storage.db, seal, true);
    await runner.start();
    const projectSeconds = (Date.now() - projecting) / 1000;
    process.stdout.write(`projections caught up in ${projectSeconds.toFixed(1)} s: ${Math.round(events / projectSeconds)} events/s\n`);
    process.stdout.write(passTimings(runner, inProcesses));
    const problems = await checkManifest(app, manifest);
    for (const p of problems) process.stdout.write(`MISMATCH ${p}\n`);
    process.stdout.write(problems.length === 0 ? 'OK: the books match the manifest to the fen\n' : 'FAILED\n');
    if (problems.length) process.exitCode = 1;
  } finally {
    await app.close();
  }
}

/** Every command of the file through the deciders, on a write-behind store; the context is closed at the end. */
async function loadPhase(file: string, manifest: Manifest, base: ReturnType<typeof loadConfig>) {
  // Kept as lines and parsed one by one as they run (loadCommands).
  const commands = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const config = { ...base, stateCacheSize: BULK_LOAD_STATE_CACHE_SIZE };
  const storage = await openStorage(config);
  // The loader is the only writer: a write-behind store keeps streams in memory and flushes in bulk.
  const bulk = storage.store instanceof PostgresEventStore ? await BulkLoadEventStore.over(storage.store) : storage.store;
  const app = await createLedgerContext(config, { storage: { db: storage.db, store: bulk } });
  try {
    const store = app.get(EventStore);
    const before = await store.countAfter(START);
    const bar = new SingleBar({ format: 'load [{bar}] {percentage}% {value}/{total} commands | {eta_formatted} left' }, Presets.shades_classic);
    bar.start(commands.length, 0);
    const started = Date.now();
    const loadId = `${manifest.preset}-${manifest.seed}-${commands.length}`;
    const { resumedAt, loaded } = await loadCommands(app, loadId, commands, (done) => bar.update(done), 2000);
    bar.update(commands.length);
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    // Counted, and then caught up, once every event written is visible.
    await untilVisibleToHead(store);
    const events = Number((await store.countAfter(START)) - before);
    const settleMs = storage.store instanceof PostgresEventStore ? await storage.store.settleAfterBulkLoad() : 0;
    return { loaded, resumedAt, events, seconds, settleMs };
  } finally {
    await app.close();
  }
}

async function benchCommand(args: string[]) {
  const soakMinutes = option(args, 'soak');
  if (soakMinutes !== undefined) {
    if (!/^[1-9][0-9]{0,3}$/.test(soakMinutes)) throw new UsageError('--soak takes whole minutes');
    const { soak } = await import('./bench/soak');
    const { ok } = await soak(Number(soakMinutes), (l) => process.stdout.write(`${l}\n`));
    if (!ok) process.exitCode = 1;
    return;
  }
  if (args.includes('--web')) {
    const { benchWebConsole, printWebBench } = await import('./bench/web-bench');
    process.stdout.write(printWebBench(await benchWebConsole((l) => process.stderr.write(`${l}\n`))) + '\n');
    return;
  }
  if (args.includes('--queries-only')) {
    const result = await benchQueriesOnly((l) => process.stderr.write(`${l}\n`), { detectors: args.includes('--detectors') });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const which = option(args, 'store') ?? 'both';
  const preset = presetOption(args);
  // An unknown store ran as neither: its load, reads and api were half of each (`--store pglite` read an empty log).
  if (!['postgres', 'embedded', 'both'].includes(which)) throw new UsageError(`--store must be postgres, embedded or both (got "${which}")`);
  const stores = which === 'both' ? (['postgres', 'embedded'] as const) : [which as 'postgres' | 'embedded'];
  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  for (const store of stores) {
    const out = `bench-results/${store}-${preset}.json`;
    const report = await runBench({ store, preset, seed: Number(option(args, 'seed') ?? '1'), databaseUrl, flows: Number(option(args, 'flows') ?? '300'), out,
      log: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(printReport(report) + `\n(written to ${out})\n\n`);
  }
  const { benchWebConsole, printWebBench } = await import('./bench/web-bench');
  process.stdout.write(printWebBench(await benchWebConsole((l) => process.stderr.write(`${l}\n`))) + '\n');
}


class UsageError extends Error {}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'rebuild':
      return rebuild(rest[0]);
    case 'pass-lane':
      return passLaneCommand(rest);
    case 'projections':
      return projections();
    case 'token':
      return token(rest);
    case 'demo-tokens':
      return demoTokens();
    case 'verify':
      return verify(rest);
    case 'seal':
      return sealCommand();
    case 'seal-keygen':
      return sealKeygen(rest);
    case 'export-audit':
      return exportAuditCommand(rest);
    case 'erase-personal-data':
      return erasePersonalData(rest);
    case 'generate':
      return generateCommand(rest);
    case 'load':
      return loadCommand(rest);
    case 'score-detectors':
      return scoreDetectorsCommand(rest);
    case 'bench':
      return benchCommand(rest);
    case 'backup':
      return backupCommand(rest);
    case 'restore':
      return restoreCommand(rest);
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

/** What a backup holds, to compare before and after: the number of events and the head position. */
async function describeStore(db: PgliteDb): Promise<string> {
  const store = await PostgresEventStore.create(db);
  const head = await store.headPosition();
  return `${await store.countAfter(START)} events, head position ${head ? formatPosition(head) : 'none'}`;
}

async function backupCommand(args: string[]) {
  const file = option(args, 'to');
  if (!file) throw new UsageError('backup needs --to FILE');
  const config = loadConfig();
  if (config.databaseUrl || config.inMemory) {
    throw new UsageError('backup copies the embedded store (DATA_DIR); for a PostgreSQL server use pg_dump as the README shows');
  }
  // Opening takes the folder's lock: with the api running this stops here, naming it.
  const db = await PgliteDb.open(config.dataDir, { schema: config.databaseSchema });
  try {
    const what = await describeStore(db);
    const bytes = await db.backupTo(file);
    process.stdout.write(`backed up ${config.dataDir} (${what}) to ${file}: ${bytes} bytes\n`);
  } finally {
    await db.close();
  }
}

async function restoreCommand(args: string[]) {
  const file = option(args, 'from');
  if (!file) throw new UsageError('restore needs --from FILE');
  const config = loadConfig();
  if (config.databaseUrl || config.inMemory) throw new UsageError('restore recreates the embedded store (DATA_DIR); for a server use pg_restore as the README shows');
  await PgliteDb.restore(file, config.dataDir);
  const db = await PgliteDb.open(config.dataDir, { schema: config.databaseSchema });
  try {
    process.stdout.write(`restored ${file} into ${config.dataDir}: ${await describeStore(db)}; run \`npm run cli -- verify\` to check its books\n`);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) process.stderr.write(`${e.message}\n${USAGE}\n`);
  else if (e instanceof ConfigError) process.stderr.write(`yuantrace: ${e.message}\n`);
  else process.stderr.write(`yuantrace: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
