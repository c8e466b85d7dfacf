import { join } from 'node:path';
import {
  comparePositions,
  formatPosition,
  START,
  loadMigrations,
  migrate,
  type Db,
  type EventStore,
  type GlobalPosition,
  type ReadWindow,
  type RecordedEvent,
  type SqlExecutor,
  type Subscription,
} from '@yuantrace/event-store';
import { advanceCheckpoint, readCheckpoint, recordVersion, storedVersion } from './checkpoints';
import type { Projection } from './projection';

export type RunnerLogger = {
  log: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
};

export type ProjectionStatus = {
  name: string;
  state: 'starting' | 'running' | 'standby' | 'retrying' | 'stopped';
  checkpoint: string;
  lag: string;
  lastError?: string;
};

export type RunnerOptions = {
  batchSize?: number;
  idleMs?: number;
  /** After an append wakes a projection, how long it waits for more before reading (default 20 ms): fewer, larger batches. */
  gatherMs?: number;
  /** How long a standby runner waits before trying the advisory lock again. */
  lockRetryMs?: number;
  retryMs?: number;
  logger?: RunnerLogger;
  /** Events in a pass from nothing beyond which readers' indexes are dropped first and built at the end (default 50,000). */
  deferIndexesAfter?: number;
  /** Events in a one-pass catch-up or rebuild from which its tables are vacuumed and analyzed at the end (default 10,000). */
  analyzeAfter?: number;
  /**
   * Lanes a one-pass catch-up or rebuild spreads its projections over on a server (default 2;
   * PGlite has one connection, so one lane there). A PostgreSQL connection works on one core: in
   * one lane a county's catch-up kept one core busy in PostgreSQL and left a third of the machine idle.
   */
  lanes?: number;
  /** false: a pass gives every projection its events through apply(), even one with applyInDatabase (default true). */
  applyInDatabase?: boolean;
};

/**
 * The projections dealt into at most `count` lanes of about equal cost (passCost), the costliest
 * first, each to the lane with the least so far; lanes keep the projections' own order.
 */
export function splitIntoLanes<P extends Pick<Projection, 'passCost'>>(projections: readonly P[], count: number): P[][] {
  const lanes = Array.from({ length: Math.max(1, Math.min(count, projections.length)) }, () => ({ cost: 0, members: [] as number[] }));
  const order = projections.map((p, i) => ({ i, cost: p.passCost ?? 1 })).sort((a, b) => b.cost - a.cost || a.i - b.i);
  for (const x of order) {
    const lane = lanes.reduce((a, b) => (b.cost < a.cost ? b : a));
    lane.cost += x.cost;
    lane.members.push(x.i);
  }
  return lanes.map((l) => l.members.sort((a, b) => a - b).map((i) => projections[i])).filter((l) => l.length > 0);
}

/** A projection kept in tables of its own, written in the pass's transactions, and rebuilt from the log: what `rebuild all` drops and replays. */
export const rebuiltFromLog = (p: Projection) => p.transactional !== false && p.rebuildable !== false;

const silent: RunnerLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
/** Advisory locks are per database, not per schema: the key names the schema so tenants in one database do not block each other. */
const lockKey = (db: Db, name: string) => `yuantrace:projection:${db.schema}:${name}`;

export async function migrateProjections(db: Db): Promise<void> {
  await migrate(db, 'projections', loadMigrations(join(__dirname, 'migrations')));
}

/**
 * Runs projections from the event store's global order into SQL. Per projection: one
 * subscription from its checkpoint; each batch is applied and the checkpoint moved in one
 * transaction, so a crash anywhere neither skips nor double-applies an event. On a server,
 * a session advisory lock keeps one active runner per projection; others stand by.
 */
export class ProjectionRunner {
  private running = false;

  /** Whether this runner follows the log in this process (else another process does). */
  get isRunning(): boolean {
    return this.running;
  }
  private readonly workers = new Map<string, Worker>();
  private readonly log: RunnerLogger;

  constructor(
    private readonly store: EventStore,
    private readonly db: Db,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.log = options.logger ?? silent;
    const names = new Set(projections.map((p) => p.name));
    if (names.size !== projections.length) throw new Error('projection names must be unique');
    for (const p of projections) {
      const strays = (p.rewrittenTables ?? []).filter((t) => !p.tables.includes(t));
      if (strays.length > 0) throw new Error(`${p.name}: rewrittenTables must be among its tables (${strays.join(', ')})`);
    }
  }

  /** Creates the checkpoint table and every projection's tables. */
  async setup(): Promise<void> {
    await migrateProjections(this.db);
    for (const p of this.projections) {
      // Tables this code creates from nothing are this version's: recorded now, so that a later
      // start does not take a bulk load's catch-up (which writes checkpoints) for an old build.
      if (p.transactional !== false && (await storedVersion(this.db, p.name)) === undefined) await recordVersion(this.db, p.name, p.version ?? 1);
      await p.setup(this.db);
    }
  }

  async start(): Promise<void> {
    await this.setup();
    await this.rebuildChanged();
    this.running = true;
    for (const p of this.projections) {
      const worker = new Worker(p, this.store, this.db, this.options, this.log, () => this.running);
      this.workers.set(p.name, worker);
      worker.start();
    }
  }

  /** Rebuilds, before following, every projection whose tables an older version of its code built. */
  private async rebuildChanged(): Promise<void> {
    for (const p of this.projections) {
      if ((await this.builtByOlder(p)) === undefined) continue;
      await this.withLocks([p], async () => {
        // Another runner may have rebuilt it while this one waited for the lock.
        const builtBy = await this.builtByOlder(p);
        if (builtBy !== undefined) await this.rebuildFromScratch(p, undefined, builtBy);
      });
    }
  }

  /**
   * The version of the code that built a projection's tables, when it is not this code's: such
   * tables are rebuilt from the log, never followed on from. Undefined for tables this version
   * built (setup() records the version of tables it creates) and for a projection not rebuilt.
   */
  private async builtByOlder(p: Projection): Promise<number | undefined> {
    if (!rebuiltFromLog(p)) return undefined;
    const have = await storedVersion(this.db, p.name);
    return have !== undefined && have !== (p.version ?? 1) ? have : undefined;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
  }

  async status(): Promise<ProjectionStatus[]> {
    return Promise.all(
      this.projections.map(async (p) => {
        const checkpoint = await readCheckpoint(this.db, p.name);
        const worker = this.workers.get(p.name);
        return {
          name: p.name,
          state: worker?.state ?? 'stopped',
          checkpoint: formatPosition(checkpoint),
          lag: (await this.store.countAfter(checkpoint)).toString(),
          ...(worker?.lastError ? { lastError: worker.lastError } : {}),
        };
      }),
    );
  }

  /** Resolves once every projection has applied everything visible now (tests, e2e, load). */
  async waitUntilCaughtUp(timeoutMs = 30_000): Promise<void> {
    const target = await this.store.headPosition();
    if (!target) return;
    const deadline = Date.now() + timeoutMs;
    for (const p of this.projections) {
      while (comparePositions(await readCheckpoint(this.db, p.name), target) < 0) {
        this.workers.get(p.name)?.hurry();
        if (Date.now() > deadline) throw new Error(`projection ${p.name} did not catch up in ${timeoutMs} ms`);
        await sleep(5);
      }
    }
  }

  /**
   * Brings projections (all by default) to the head of the log in one pass: each batch of events
   * is read once and applied to every projection that has not seen it yet, in one transaction
   * that also moves each one's checkpoint. After a bulk load, or for a rebuild of everything,
   * this reads the log once instead of once per projection. Their workers in this runner stand
   * still meanwhile; on a server their advisory locks keep other runners out.
   */
  async catchUpTogether(names?: readonly string[], onProgress?: (applied: number, total: number) => void): Promise<number> {
    const chosen = names ? names.map((n) => this.projectionNamed(n)) : [...this.projections];
    return this.withWorkersStopped(chosen, () => this.withLocks(chosen, async () => {
      await this.setup();
      // A projection whose tables an older version of its code built starts again from nothing in
      // this same pass: following on from them, the new code would add to tables it did not fill
      // (a new table of the detectors, empty, would hide the findings that rest on earlier events).
      for (const p of chosen) {
        const builtBy = await this.builtByOlder(p);
        if (builtBy !== undefined) await this.resetToRebuild(p, builtBy);
      }
      return this.analyzedAfter(chosen, await this.applyTogether(chosen, onProgress));
    }));
  }

  /**
   * After a bulk change (a load caught up, a rebuild) the planner's statistics describe tables
   * that no longer exist: one slow plan at county scale cost a read 60×. ANALYZE the tables the
   * pass wrote, as PostgreSQL advises after bulk loading, rather than wait for autovacuum; and
   * VACUUM them, which marks their pages all-visible, so that a read served from an index alone
   * (the alert list's counts) does not visit the table for every row until autovacuum comes by.
   * A table the projection rewrites row by row is written anew instead (Projection.rewrittenTables):
   * after a county's catch-up posting_households held 51 MB of rows in 220 MB, which a knownAt
   * summary read whole (340 ms; 160 ms from the 55 MB VACUUM FULL left, which took 1.6 s).
   */
  private async analyzedAfter(chosen: readonly Projection[], applied: number): Promise<number> {
    if (applied < (this.options.analyzeAfter ?? ANALYZE_AFTER)) return applied;
    for (const p of chosen) {
      for (const t of p.tables) await (p.rewrittenTables?.includes(t) ? this.writtenAnew(t) : this.db.exec(`vacuum (analyze) ${t}`));
    }
    return applied;
  }

  /**
   * VACUUM FULL keeps the table from its readers while it writes it (1.6 s for a county's
   * posting_households), and would wait behind a long read with every later reader queued behind
   * it: it waits COMPACT_LOCK_WAIT at most, and then the table is only vacuumed, as the others are.
   */
  private async writtenAnew(table: string): Promise<void> {
    if (this.db.kind !== 'postgres') return this.db.exec(`vacuum (full, analyze) ${table}`);
    try {
      await this.db.session(async (conn) => {
        await conn.query(`set lock_timeout = '${COMPACT_LOCK_WAIT}'`);
        await conn.query(`vacuum (full, analyze) ${table}`);
      });
    } catch (e) {
      if ((e as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw e;
      this.log.warn(`${table} is in use: vacuumed, not written anew`);
      await this.db.exec(`vacuum (analyze) ${table}`);
    }
  }

  /**
   * Milliseconds each projection spent applying its events in the last one-pass catch-up or
   * rebuild (its transaction's commit, shared by all, is not in them): `rebuild` and `load` print
   * them, so a slow pass names the projection that made it slow.
   */
  readonly lastPassMs = new Map<string, number>();

  /**
   * Each lane of the last one-pass catch-up or rebuild, with its projections and the milliseconds
   * from the pass's start to the lane's end: the pass lasts as long as its longest lane, which the
   * printed timings name.
   */
  readonly lastLanes: Array<{ projections: string[]; ms: number }> = [];

  /**
   * One pass over the log for the chosen projections, spread over lanes (RunnerOptions.lanes) that
   * run at once, each reading the log for its own projections on its own connections. Returns the
   * events the pass spanned. If a lane fails, the others stop at their next window and the first
   * failure is thrown; every lane's checkpoints stand where its last transaction left them.
   */
  private async applyTogether(chosen: readonly Projection[], onProgress?: (applied: number, total: number) => void): Promise<number> {
    this.lastPassMs.clear();
    this.lastLanes.length = 0;
    if (chosen.length === 0) return 0;
    const lanes = splitIntoLanes(chosen, this.db.kind === 'postgres' ? (this.options.lanes ?? 2) : 1);
    const started = performance.now();
    const progress = lanes.map(() => ({ read: 0, total: 0 }));
    // Each lane spans the log from its own projections' checkpoints: the pass has done the share of all the lanes' spans done so far.
    const report = () => {
      const total = Math.max(...progress.map((x) => x.total));
      const spans = progress.reduce((n, x) => n + x.total, 0);
      onProgress?.(spans === 0 ? 0 : Math.round((total * progress.reduce((n, x) => n + Math.min(x.read, x.total), 0)) / spans), total);
    };
    const stop: { failed: boolean; first?: unknown } = { failed: false };
    const checkpoints = new Map<string, GlobalPosition>();
    for (const p of chosen) checkpoints.set(p.name, await readCheckpoint(this.db, p.name));
    const shared = lanes.length > 1 ? this.sharedWindows(chosen, checkpoints, lanes.length) : undefined;
    const results = await Promise.allSettled(lanes.map((lane, i) => this.applyLane(lane, checkpoints, stop, shared && { windows: shared, lane: i }, onProgress && ((read, total) => {
      progress[i] = { read, total };
      report();
    })).then((n) => {
      this.lastLanes.push({ projections: lane.map((p) => p.name), ms: performance.now() - started });
      return n;
    }, (e) => {
      if (!stop.failed) stop.first = e;
      stop.failed = true;
      throw e;
    })));
    if (stop.failed) throw stop.first;
    return Math.max(...results.map((r) => (r as PromiseFulfilledResult<number>).value));
  }

  /**
   * Whether a pass applies this projection with statements over the log where it lies
   * (Projection.applyInDatabase): a transactional projection that has them, and a log in this
   * runner's own database.
   */
  private appliesInDatabase(p: Projection): boolean {
    return p.applyInDatabase !== undefined && p.transactional !== false && this.options.applyInDatabase !== false
      && this.store.windowIn(this.db, START, START) !== undefined;
  }

  /** The projections of a pass that are given their events, read out of the log: all but those applied where it lies. */
  private readersOf(chosen: readonly Projection[]): Projection[] {
    return chosen.filter((p) => !this.appliesInDatabase(p));
  }

  /** One read of the log for all the lanes of a pass, from the earliest checkpoint among them. */
  private sharedWindows(chosen: readonly Projection[], checkpoints: ReadonlyMap<string, GlobalPosition>, lanes: number): SharedWindows {
    const start = [...checkpoints.values()].reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    return new SharedWindows(this.windowReader(this.readersOf(chosen)), start, lanes);
  }

  /**
   * How a pass reads the log for these projections: windows of REBUILD_BATCH positions with the
   * types they handle, the texts if one works from them, the metadata only where one reads it.
   */
  private windowReader(readers: readonly Projection[]): (after: GlobalPosition) => Promise<ReadWindow> {
    const types = typesOf(readers);
    const options = { span: this.options.batchSize ?? REBUILD_BATCH, types: types && [...types], jsonText: readers.some((p) => p.readsJsonText),
      metadataTypes: metadataTypesOf(readers) };
    return (after) => this.store.readWindow({ ...options, after });
  }

  private async applyLane(chosen: readonly Projection[], checkpoints: ReadonlyMap<string, GlobalPosition>, stop: { failed: boolean },
    shared: { windows: SharedWindows; lane: number } | undefined, onProgress?: (applied: number, total: number) => void): Promise<number> {
    try {
      return await this.applyLaneWindows(chosen, checkpoints, stop, shared, onProgress);
    } finally {
      // Done or failed, this lane takes no more windows: the others must not wait for it.
      shared?.windows.leave(shared.lane);
    }
  }

  private async applyLaneWindows(chosen: readonly Projection[], checkpoints: ReadonlyMap<string, GlobalPosition>, stop: { failed: boolean },
    shared: { windows: SharedWindows; lane: number } | undefined, onProgress?: (applied: number, total: number) => void): Promise<number> {
    const positions = new Map(chosen.map((p) => [p.name, checkpoints.get(p.name)!]));
    let position = [...positions.values()].reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    const total = Number(await this.store.countAfter(position));
    let read = 0;
    onProgress?.(0, total);
    // Filled from nothing with a long log behind them: their readers' indexes are built once at the end
    // (if the pass fails, the next setup() builds them again).
    const deferring = total >= (this.options.deferIndexesAfter ?? DEFER_INDEXES_AFTER) ? chosen.filter((p) => p.readIndexes?.length && comparePositions(positions.get(p.name)!, START) === 0) : [];
    for (const p of deferring) for (const ddl of p.readIndexes!) await this.db.exec(`drop index if exists ${indexNameOf(ddl)}`);
    // Only the types some chosen projection handles are read, and none for those applied where the
    // log is; the window still spans every event, so each checkpoint passes the ones none of them handles.
    const readers = this.readersOf(chosen);
    const types = typesOf(readers);
    const readWindow = this.windowReader(readers);
    const preparing = readers.filter((p) => p.prepare);
    const readAfter = (after: GlobalPosition) => {
      // Shared windows come in order, each once: the next one is the one after `after`.
      const read = shared ? shared.windows.take(shared.lane, types)
        : readWindow(after);
      // Each window goes to prepare() as soon as it is read, while the window before may still be
      // applied, with the events apply() will be given (positions only move to the ends of windows
      // before it). prepare() is an optimisation: if it throws, the window is applied without it.
      const next = preparing.length === 0 ? read : read.then((w) => {
        for (const p of preparing) {
          const from = positions.get(p.name)!;
          const events = w.events.length > 0 && comparePositions(w.events[0].position, from) > 0 ? w.events : w.events.filter((e) => comparePositions(e.position, from) > 0);
          try {
            if (events.length > 0 && !stop.failed) p.prepare!(events);
          } catch {
            // apply() does without it
          }
        }
        return w;
      });
      next.catch(() => undefined); // awaited below; a failure is reported there
      return next;
    };
    // The next window is read while this one is applied: the database and this process overlap.
    let reading = readAfter(position);
    for (;;) {
      const window = await reading;
      if (stop.failed) throw new Error('another lane of this pass failed');
      if (!window.to) break;
      const to = window.to;
      reading = readAfter(to);
      const batch = window.events;
      // Every projection behind the window's end moves to it, with or without events of its own in it.
      const due = chosen.filter((p) => comparePositions(positions.get(p.name)!, to) < 0)
        .map((p) => ({ p, from: positions.get(p.name)!, events: readers.includes(p) ? batch.filter((e) => comparePositions(e.position, positions.get(p.name)!) > 0) : [] }));
      // A shared window may end before this lane's checkpoints (another lane's projection started further back).
      if (due.length === 0) {
        read += window.spanned;
        continue;
      }
      const spent = (name: string, since: number) => this.lastPassMs.set(name, (this.lastPassMs.get(name) ?? 0) + performance.now() - since);
      await this.db.transaction(async (tx) => {
        // No parallel workers for a pass's statements: its lanes already keep the cores busy, and the
        // detectors' statements over a window's few hundred payments, which the planner gave two
        // workers at county scale, cost the machine 42 ms of CPU each with them against 18 without.
        if (this.db.kind === 'postgres') await tx.query('set local max_parallel_workers_per_gather = 0');
        for (const x of due.filter((d) => d.p.transactional !== false)) {
          const since = performance.now();
          let applied = x.events.length;
          if (!readers.includes(x.p)) applied = await x.p.applyInDatabase!(tx, this.store.windowIn(this.db, x.from, to)!);
          else if (x.events.length > 0) await x.p.apply(tx, x.events);
          await advanceCheckpoint(tx, x.p.name, x.from, to, applied);
          spent(x.p.name, since);
        }
      });
      for (const x of due.filter((d) => d.p.transactional === false)) {
        const since = performance.now();
        await applyBatch(this.db, x.p, x.events, x.from, to);
        spent(x.p.name, since);
      }
      for (const x of due) positions.set(x.p.name, to);
      position = to;
      read += window.spanned;
      onProgress?.(read, Math.max(total, read));
    }
    for (const p of deferring) {
      const since = performance.now();
      for (const ddl of p.readIndexes!) await this.buildIndex(ddl);
      this.lastPassMs.set(p.name, (this.lastPassMs.get(p.name) ?? 0) + performance.now() - since);
    }
    return read;
  }

  /**
   * Builds a reader's index after a pass. On a server with room to sort in memory: the default
   * maintenance_work_mem (64 MB) made the sort of a county's event index (4.25 million entries)
   * spill to disk and merge.
   */
  private async buildIndex(ddl: string): Promise<void> {
    if (this.db.kind !== 'postgres') return this.db.exec(ddl);
    await this.db.transaction(async (tx) => {
      await tx.query(`set local maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
      await tx.query(ddl);
    });
  }

  /**
   * Resets a projection and replays the whole log into it, batch by batch, each with its
   * checkpoint, reading the next batch while this one is applied (as a catch-up does).
   */
  private async rebuildFromScratch(projection: Projection, onProgress?: (applied: number, total: number) => void, builtBy?: number): Promise<number> {
    await this.resetToRebuild(projection, builtBy);
    return this.applyTogether([projection], onProgress);
  }

  /** Drops a projection's tables and checkpoint and sets them up anew, for a pass from the log's start; says so when an older version built them. */
  private async resetToRebuild(projection: Projection, builtBy: number | undefined): Promise<void> {
    if (builtBy !== undefined) {
      this.log.warn(`projection ${projection.name}: its tables were built by version ${builtBy}, this is version ${projection.version ?? 1}; rebuilding from the log`);
    }
    await this.db.transaction((tx) => resetProjection(tx, projection));
    await projection.setup(this.db);
  }

  /** Drops every read model's tables and rebuilds them all in one pass over the log. */
  async rebuildAll(onProgress?: (applied: number, total: number) => void): Promise<number> {
    const tabled = this.projections.filter(rebuiltFromLog);
    return this.withWorkersStopped(tabled, async () => {
      await migrateProjections(this.db);
      return this.withLocks(tabled, async () => {
        await this.db.transaction(async (tx) => {
          for (const p of tabled) await resetProjection(tx, p);
        });
        for (const p of tabled) await p.setup(this.db);
        return this.analyzedAfter(tabled, await this.applyTogether(tabled, onProgress));
      });
    });
  }

  private projectionNamed(name: string): Projection {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`unknown projection "${name}" (known: ${this.projections.map((p) => p.name).join(', ')})`);
    return projection;
  }

  /** Stops this runner's workers for these projections, runs fn, and starts them again if the runner is running. */
  private async withWorkersStopped<T>(chosen: readonly Projection[], fn: () => Promise<T>): Promise<T> {
    const stopped = chosen.filter((p) => this.workers.has(p.name));
    for (const p of stopped) await this.workers.get(p.name)!.stop();
    try {
      return await fn();
    } finally {
      for (const p of stopped) {
        if (!this.running) continue;
        const fresh = new Worker(p, this.store, this.db, this.options, this.log, () => this.running);
        this.workers.set(p.name, fresh);
        fresh.start();
      }
    }
  }

  /** Holds the projections' advisory locks (on a server) around fn, waiting for runners elsewhere to let go. */
  private async withLocks<T>(chosen: readonly Projection[], fn: () => Promise<T>): Promise<T> {
    if (this.db.kind !== 'postgres') return fn();
    return this.db.session(async (conn) => {
      const keys = chosen.map((p) => lockKey(this.db, p.name)).sort();
      for (const k of keys) await conn.query('select pg_advisory_lock(hashtext($1))', [k]);
      try {
        return await fn();
      } finally {
        for (const k of keys) await conn.query('select pg_advisory_unlock(hashtext($1))', [k]);
      }
    });
  }

  /**
   * Drops a projection's tables and rebuilds them from the whole log. The worker of this
   * runner (if running) is stopped meanwhile; on a server the advisory lock makes a rebuild
   * wait for, not race with, a runner in another process.
   */
  async rebuild(name: string, onProgress?: (applied: number, total: number) => void): Promise<number> {
    const projection = this.projectionNamed(name);
    if (projection.rebuildable === false) throw new Error(`projection ${name} is never rebuilt: its tables hold what was signed and given out`);
    return this.withWorkersStopped([projection], async () => {
      await migrateProjections(this.db);
      return this.withLocks([projection], async () =>
        this.analyzedAfter([projection], await this.rebuildFromScratch(projection, onProgress)));
    });
  }
}

/** The event types a set of projections reads, or undefined if one of them reads every type. */
function typesOf(projections: readonly Projection[]): ReadonlySet<string> | undefined {
  return projections.every((p) => p.handles) ? new Set(projections.flatMap((p) => p.handles!)) : undefined;
}

/**
 * The types whose metadata some of these projections read (ReadWindowOptions.metadataTypes), or
 * undefined for every type's: when one works from the texts (the sealer hashes the metadata) or
 * reads metadata without naming the types it handles.
 */
function metadataTypesOf(projections: readonly Projection[]): string[] | undefined {
  if (projections.some((p) => p.readsJsonText || (p.readsMetadata !== false && !p.handles))) return undefined;
  return [...new Set(projections.filter((p) => p.readsMetadata !== false).flatMap((p) => p.handles!))];
}

/** How many windows a lane of a pass may take beyond the one the slowest lane takes next. */
const SHARED_WINDOWS_AHEAD = 3;

/**
 * One read of each window of the log for every lane of a pass. Read apart, the lanes of a county
 * rebuild read the log twice: 76 s of PostgreSQL's 495 s went to reading, and this process parsed
 * 6.7 million rows for 4.2 million events. Here each window is read once, with the types every
 * lane needs, and each lane takes every window in order, once, keeping its own types. A lane may
 * run SHARED_WINDOWS_AHEAD windows ahead of the slowest and then waits, so the windows held stay
 * few; a lane that leaves (done or failed) is waited for no longer.
 */
export class SharedWindows {
  /** Window `first + k` at k; each is read when some lane first asks for it, after the one before it. */
  private readonly held: Promise<ReadWindow>[] = [];
  private first = 0;
  /** Per lane, how many windows it has taken; Infinity once it has left. */
  private readonly taken: number[];
  private waiting: (() => void)[] = [];

  constructor(
    private readonly read: (after: GlobalPosition) => Promise<ReadWindow>,
    private readonly start: GlobalPosition,
    lanes: number,
    private readonly ahead = SHARED_WINDOWS_AHEAD,
  ) {
    this.taken = Array.from({ length: lanes }, () => 0);
  }

  /** The lane's next window, its events narrowed to `types` (all if undefined). */
  async take(lane: number, types: ReadonlySet<string> | undefined): Promise<ReadWindow> {
    const i = this.taken[lane];
    for (;;) {
      // A lane that left (its pass failed while this take waited) takes nothing more, nor counts as slow again.
      if (this.taken[lane] === Infinity) throw new Error(`lane ${lane} has left the pass`);
      if (i < this.slowest() + this.ahead) break;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const window = this.window(i);
    this.taken[lane] = i + 1;
    this.release();
    const w = await window;
    return types ? { ...w, events: w.events.filter((e) => types.has(e.type)) } : w;
  }

  /** How many windows are held now (read or being read, not yet let go). */
  get holding(): number {
    return this.held.length;
  }

  /** The lane takes no more windows. */
  leave(lane: number): void {
    this.taken[lane] = Infinity;
    this.release();
  }

  private slowest(): number {
    return Math.min(...this.taken);
  }

  private window(i: number): Promise<ReadWindow> {
    while (this.first + this.held.length <= i) {
      const k = this.first + this.held.length;
      const before = k === 0 ? undefined : this.held[k - 1 - this.first];
      const next = before === undefined ? this.read(this.start)
        : before.then((w) => (w.to ? this.read(w.to) : { events: [], to: undefined, spanned: 0 }));
      next.catch(() => undefined); // every lane that takes it hears the failure
      this.held.push(next);
    }
    return this.held[i - this.first];
  }

  /** Lets go of the windows every lane has taken, and wakes the lanes that waited. */
  private release(): void {
    const slowest = this.slowest();
    // The last window taken stays: the one after it is read from its end.
    while (this.held.length > 1 && this.first + 1 < slowest) {
      this.held.shift();
      this.first++;
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }
}

/**
 * Events per transaction when a projection is rebuilt from the log. Larger than when following it:
 * a projection that runs set-based queries per batch (the red-flag detectors run one per rule)
 * pays their planning and round trips once per batch, and a rebuild has no reader waiting on it.
 */
const REBUILD_BATCH = 5000;

/**
 * How long a woken projection waits for more appends before reading. Each live batch costs a read
 * and a transaction per projection (a dozen of them); under steady commands this turns one batch
 * per command into one per few commands, for a read-your-writes delay of the same order.
 */
const GATHER_MS = 20;

/** Events applied in one pass beyond which the tables written are analyzed afterwards. */
const ANALYZE_AFTER = 10_000;
const COMPACT_LOCK_WAIT = '2s';
const LOCK_NOT_AVAILABLE = '55P03';

/** Events in a pass from nothing beyond which readers' indexes are dropped first and built at the end. */
const DEFER_INDEXES_AFTER = 50_000;

/** Memory each of a pass's index builds may sort in on a server (one build per lane at a time). */
const INDEX_BUILD_MEMORY = '256MB';

/** The index a `create index if not exists <name> on …` statement creates. */
function indexNameOf(ddl: string): string {
  const m = /^\s*create\s+(?:unique\s+)?index\s+if\s+not\s+exists\s+(\w+)\s+on\s/i.exec(ddl);
  if (!m) throw new Error(`a read index must be declared as "create index if not exists <name> on …": ${ddl}`);
  return m[1];
}

/** Drops a projection's tables and checkpoint, and records that this version's code builds them anew. */
async function resetProjection(tx: SqlExecutor, projection: Projection): Promise<void> {
  for (const table of projection.tables) await tx.query(`drop table if exists ${table} cascade`);
  await tx.query('delete from projection_checkpoints where name = $1', [projection.name]);
  await recordVersion(tx, projection.name, projection.version ?? 1);
}

async function applyBatch(db: Db, projection: Projection, batch: readonly RecordedEvent[], from: GlobalPosition, to: GlobalPosition) {
  if (projection.transactional === false) {
    if (batch.length > 0) await projection.apply(db, batch);
    await db.transaction((tx) => advanceCheckpoint(tx, projection.name, from, to, batch.length));
    return;
  }
  await db.transaction(async (tx: SqlExecutor) => {
    if (batch.length > 0) await projection.apply(tx, batch);
    await advanceCheckpoint(tx, projection.name, from, to, batch.length);
  });
}

class Worker {
  state: ProjectionStatus['state'] = 'starting';
  lastError: string | undefined;
  private subscription: Subscription | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly projection: Projection,
    private readonly store: EventStore,
    private readonly db: Db,
    private readonly options: RunnerOptions,
    private readonly log: RunnerLogger,
    private readonly runnerRunning: () => boolean,
  ) {}

  start() {
    this.loop = this.run();
  }

  async stop() {
    this.stopped = true;
    this.wake?.();
    await this.subscription?.stop();
    await this.loop;
    this.state = 'stopped';
  }

  private active() {
    return !this.stopped && this.runnerRunning();
  }

  hurry() {
    this.subscription?.hurry?.();
  }

  private async run(): Promise<void> {
    const name = this.projection.name;
    while (this.active()) {
      try {
        await this.db.session(async (conn, lost) => {
          if (this.db.kind === 'postgres') {
            const got = await conn.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [lockKey(this.db, name)]);
            if (!got.rows[0].ok) {
              this.state = 'standby';
              await this.pause(this.options.lockRetryMs ?? 2000);
              return;
            }
          }
          await this.follow(lost);
        });
      } catch (e) {
        this.state = 'retrying';
        this.lastError = e instanceof Error ? e.message : String(e);
        this.log.error(`projection ${name} failed: ${this.lastError}; resuming from its checkpoint`);
        await this.pause(this.options.retryMs ?? 1000);
      }
    }
  }

  /**
   * Subscribes from the stored checkpoint until stopped, until a batch fails, or until the
   * connection holding the advisory lock is lost (then the lock is gone too: stop, and take it
   * again before following; the checkpoint says where to resume, so nothing is applied twice).
   */
  private async follow(lost: Promise<never>): Promise<void> {
    let position = await readCheckpoint(this.db, this.projection.name);
    this.state = 'running';
    this.lastError = undefined;
    this.subscription = this.store.subscribeToAll(
      async (batch) => {
        const to = batch[batch.length - 1].position;
        await applyBatch(this.db, this.projection, batch, position, to);
        position = to;
      },
      { after: position, maxCount: this.options.batchSize ?? 1000, idleMs: this.options.idleMs ?? 200, gatherMs: this.options.gatherMs ?? GATHER_MS,
        paceMs: this.projection.followPaceMs },
    );
    if (!this.active()) await this.subscription.stop();
    const subscription = this.subscription;
    await Promise.race([subscription.done, lost.catch(async (e) => {
      await subscription.stop();
      throw e;
    })]);
  }

  private pause(ms: number) {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
