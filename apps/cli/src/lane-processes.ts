import { fork, type ChildProcess } from 'node:child_process';
import type { Db } from '@yuantrace/event-store';
import { loadConfig, openStorage } from '@yuantrace/ledger';
import { ProjectionRunner, rebuiltFromLog, splitIntoLanes } from '@yuantrace/projections';
import { readModelProjections } from '@yuantrace/read-models';

/** What a lane process did: the events its pass spanned, each projection's milliseconds, its own wall time. */
type LaneResult = { applied: number; passMs: Array<[string, number]>; ms: number };
type LaneMessage = { progress: [number, number] } | { done: LaneResult } | { failed: string };

export type PassInProcesses = {
  applied: number;
  passMs: Map<string, number>;
  lanes: Array<{ projections: string[]; ms: number }>;
};

/** The read models a pass may run in lane processes: those kept in their own transactional tables and rebuilt from the log. */
export const laneProjections = () => readModelProjections().filter(rebuiltFromLog);

/** Whether a one-pass rebuild or catch-up of the read models runs its lanes in processes of their own: on a server, with more than one lane, unless turned off. */
type LaneConfig = { projectionLanes: number; projectionLaneProcesses: boolean };
export const lanesInProcesses = (db: Pick<Db, 'kind'>, config: LaneConfig) =>
  db.kind === 'postgres' && config.projectionLanes > 1 && config.projectionLaneProcesses;

/** Every lane process of this process still running, and whether endLaneProcesses() has been called (no more are started). */
const running = new Set<ChildProcess>();
let ended = false;

/**
 * Ends every lane process this process started, and starts no more: for a caller about to drop
 * what they work on (a stopped benchmark's schema, which a lane starting afterwards would create again).
 */
export async function endLaneProcesses(): Promise<void> {
  ended = true;
  await Promise.all([...running].map((c) => new Promise<void>((resolve) => {
    c.once('close', () => resolve());
    c.kill('SIGKILL');
  })));
}

/**
 * A one-pass `rebuild all` or catch-up of the read models with each lane in a process of its own
 * (PROJECTION_LANES lanes dealt by passCost, as the runner deals them within one process). In one
 * process the lanes share its one thread: a lane whose statement had returned waited while the
 * thread served the other lane, and the machine stood idle about a fifth of a county's rebuild
 * (23% by /proc/stat) however many lanes there were. A process per lane reads the log for its own
 * projections itself (reads the runner's lanes share), which costs the machine about a tenth
 * more CPU, and keeps both cores busy: the county's `rebuild all` took 221 s instead of 244.
 *
 * Each lane process runs the runner's own pass over its projections (their locks, reset, setup,
 * checkpoints and final ANALYZE as in one process), so a lane that fails leaves its projections
 * where their last transaction left them, as a lane in one process does. The first failure ends
 * the others and is thrown.
 *
 * A lane process reads its configuration from its environment: this process's, with `env` over it
 * (the benchmark's own schema and settings, which it keeps out of its own process.env).
 */
export async function passInProcesses(kind: 'rebuild' | 'catch-up', lanes: number, onProgress?: (done: number, total: number) => void,
  env?: NodeJS.ProcessEnv): Promise<PassInProcesses> {
  if (ended) throw new Error('lane processes were ended: no pass is started');
  const dealt = splitIntoLanes(laneProjections(), lanes).map((lane) => lane.map((p) => p.name));
  const progress = dealt.map(() => [0, 0] as [number, number]);
  const children: ChildProcess[] = [];
  // Should this process end while its lanes run, they end with it (a lane also ends itself when its parent's channel closes).
  const endLanes = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  };
  process.once('exit', endLanes);
  // The same entry point and flags as this process (ts-node's hooks under `npm run`, none for a compiled build), less a debugger's,
  // and a young generation of 256 MB whatever the parent's (the last flag given wins): a lane turns over a window of
  // thousands of parsed events and their rows every few milliseconds. In a county's `rebuild all` under 64 MB the
  // postings lane spent 24.9 s collecting garbage and the detectors' lane 16.0 s; under 256 MB 15.7 and 14.6 s, in a
  // run that was slower in every other respect.
  const execArgv = [...process.execArgv.filter((a) => !a.startsWith('--inspect')), '--max-semi-space-size=256'];
  const results = dealt.map((names, i) => new Promise<LaneResult>((resolve, reject) => {
    const child = fork(process.argv[1], ['pass-lane', kind, names.join(',')],
      { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    children.push(child);
    running.add(child);
    let outcome: LaneResult | undefined;
    let failure: string | undefined;
    child.on('message', (m: LaneMessage) => {
      if ('progress' in m) {
        progress[i] = m.progress;
        // As the runner reports lanes in one process: the share of all lanes' spans done, over the longest span.
        const [done, total] = progress.reduce((a, p) => [a[0] + p[0], a[1] + p[1]], [0, 0]);
        const longest = Math.max(...progress.map((p) => p[1]));
        onProgress?.(total > 0 ? Math.round((done / total) * longest) : 0, longest);
      } else if ('done' in m) outcome = m.done;
      else failure = m.failed;
    });
    // A process that could not be started or signalled: ended, and settled when it closes, once.
    child.on('error', (e) => {
      failure ??= e.message;
      child.kill('SIGKILL');
    });
    // 'close', not 'exit': the channel has delivered every message by then.
    child.on('close', (code, signal) => {
      running.delete(child);
      if (outcome && code === 0) resolve(outcome);
      else reject(new Error(`the lane of ${names.join(', ')} failed: ${failure ?? `its process ended with ${signal ?? `exit code ${code}`}`}`));
    });
  }));
  // The first failure ends the other lanes (their open transactions roll back with their connections)
  // and is the one reported, not theirs.
  let first: { reason: unknown } | undefined;
  for (const r of results) {
    r.catch((reason) => {
      if (first) return;
      first = { reason };
      endLanes();
    });
  }
  const settled = await Promise.allSettled(results);
  process.off('exit', endLanes);
  if (first) throw first.reason;
  const done = settled.map((s) => (s as PromiseFulfilledResult<LaneResult>).value);
  const passMs = new Map<string, number>();
  for (const d of done) for (const [name, ms] of d.passMs) passMs.set(name, ms);
  return {
    applied: Math.max(0, ...done.map((d) => d.applied)),
    passMs,
    lanes: dealt.map((projections, i) => ({ projections, ms: done[i].ms })),
  };
}

/**
 * A one-pass catch-up of everything a runner projects: on a server the read models in lane
 * processes, then whatever else it projects (the sealer) in this one. The lane processes' pass, if
 * there was one.
 */
export async function catchUpInLanes(runner: ProjectionRunner, db: Pick<Db, 'kind'>, config: LaneConfig, env?: NodeJS.ProcessEnv): Promise<PassInProcesses | undefined> {
  const inProcesses = lanesInProcesses(db, config) ? await passInProcesses('catch-up', config.projectionLanes, undefined, env) : undefined;
  const inLanes = new Set(inProcesses ? laneProjections().map((p) => p.name) : []);
  const rest = runner.projections.filter((p) => !inLanes.has(p.name)).map((p) => p.name);
  if (rest.length > 0) await runner.catchUpTogether(rest);
  return inProcesses;
}

/** `rebuild all` of the read models: on a server in lane processes, else the runner's own pass. The events applied, and the lane processes' pass if there was one. */
export async function rebuildAllInLanes(runner: ProjectionRunner, db: Pick<Db, 'kind'>, config: LaneConfig, onProgress?: (done: number, total: number) => void,
  env?: NodeJS.ProcessEnv): Promise<{ applied: number; inProcesses?: PassInProcesses }> {
  if (!lanesInProcesses(db, config)) return { applied: await runner.rebuildAll(onProgress) };
  const inProcesses = await passInProcesses('rebuild', config.projectionLanes, onProgress, env);
  return { applied: inProcesses.applied, inProcesses };
}

/**
 * The lane process's side (`cli pass-lane rebuild|catch-up NAMES`, started by passInProcesses
 * only): the runner's pass over the named read models in one lane, its progress and result sent
 * to the parent.
 */
export async function passLaneCommand(args: string[]): Promise<void> {
  const [kind, list] = args;
  const names = (list ?? '').split(',');
  const projections = laneProjections().filter((p) => names.includes(p.name));
  if (!process.send || (kind !== 'rebuild' && kind !== 'catch-up') || projections.length !== names.length) {
    throw new Error('pass-lane is started by rebuild and load, not by hand');
  }
  const send = (m: LaneMessage) => new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()));
  // A lane whose parent is gone (killed, crashed) stops: no one would see its result, and it must not
  // go on resetting tables unwatched. Its open transaction rolls back with its connection.
  const orphaned = () => process.exit(1);
  process.on('disconnect', orphaned);
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    const runner = new ProjectionRunner(storage.store, storage.db, projections, { lanes: 1 });
    const started = performance.now();
    let last = 0;
    const progress = (done: number, total: number) => {
      // At most a few messages a second: the parent only draws a bar.
      if (performance.now() - last < 250 && done < total) return;
      last = performance.now();
      if (process.connected) process.send!({ progress: [done, total] } satisfies LaneMessage);
    };
    const applied = kind === 'rebuild' ? await runner.rebuildAll(progress) : await runner.catchUpTogether(undefined, progress);
    await send({ done: { applied, passMs: [...runner.lastPassMs], ms: performance.now() - started } });
  } catch (e) {
    await send({ failed: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    await storage.db.close();
    await storage.store.close();
    // The channel, held open by the 'disconnect' listener, is let go: the process can end.
    process.off('disconnect', orphaned);
    if (process.connected) process.disconnect();
  }
}
