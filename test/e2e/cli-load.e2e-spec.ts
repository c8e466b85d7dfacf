import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgDb, PgliteDb, PostgresEventStore, START, type Db } from '@yuantrace/event-store';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';

/**
 * `npm run load` as an operator runs it: a process that generates nothing itself, loads a
 * generated file on the bulk path (on a server its events go by COPY from a thread of its own),
 * closes the load's context, catches the projections up in a new one, seals, and checks the books
 * against the file's manifest; run again, it resumes after the last recorded command and loads
 * nothing twice.
 */
const root = join(__dirname, '../..');
const cliArgs = (args: string[]) => ['--experimental-vm-modules', '--no-warnings', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args];
const cliEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '', NODE_OPTIONS: '', LOG_LEVEL: 'silent', JWT_SECRET: 'cli-load-test-secret-long-enough', ...env });
const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, cliArgs(args), { cwd: root, env: cliEnv(env), encoding: 'utf8', timeout: 240_000 });

const work = mkdtempSync(join(tmpdir(), 'yuantrace-cli-load-'));
const file = join(work, 'tiny-5.jsonl');
const cleanup: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })];
afterAll(async () => {
  for (const c of cleanup) await c();
});

/** The books the load left: every read model equal to one rebuilt from the log, and the log's size. */
async function loaded(db: Db) {
  const store = await PostgresEventStore.create(db);
  const report = await verifyReadModels(store, db, readModelProjections());
  return { events: Number(await store.countAfter(START)), ok: report.ok, defects: report.defects };
}

describe('npm run load', () => {
  let commands = 0;
  test('generate writes the tiny county and its manifest', () => {
    const g = cli(['generate', '--preset', 'tiny', '--seed', '5', '--out', file], {});
    expect(g.status).toBe(0);
    commands = Number(/wrote (\d+) commands/.exec(g.stdout)?.[1]);
    expect(commands).toBeGreaterThan(1000);
  });

  for (const store of ['PostgreSQL', 'embedded'] as const) {
    test(`${store}: loads the file, catches up, matches the manifest to the fen; run again, resumes and loads nothing`, async () => {
      let env: Record<string, string>;
      let open: () => Promise<Db>;
      if (store === 'PostgreSQL') {
        const schema = uniqueSchema('cliload');
        cleanup.push(() => dropSchema(schema));
        env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
        open = () => PgDb.connect(TEST_DATABASE_URL, { schema });
      } else {
        const dir = join(work, 'data');
        env = { DATA_DIR: dir };
        open = () => PgliteDb.open(dir);
      }
      const first = cli(['load', file], env);
      expect(first.stderr).not.toMatch(/Error/);
      expect(first.status).toBe(0);
      const events = Number(new RegExp(`^loaded ${commands} commands \\(resumed at 0\\), (\\d+) events in`, 'm').exec(first.stdout)?.[1]);
      expect(events).toBeGreaterThan(commands);
      expect(first.stdout).toMatch(/^projections caught up in /m);
      // On a server the read models catch up with each lane in a process of its own; embedded, in this one.
      if (store === 'PostgreSQL') expect(first.stdout).toMatch(/^lanes \(processes\) ended after: .+; .+$/m);
      else expect(first.stdout).not.toMatch(/lanes \(processes\)/);
      expect(first.stdout).toMatch(/^OK: the books match the manifest to the fen$/m);

      const again = cli(['load', file], env);
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^loaded 0 commands \\(resumed at ${commands}\\), 0 events in`, 'm'));
      expect(again.stdout).toMatch(/^OK: the books match the manifest to the fen$/m);

      const db = await open();
      try {
        expect(await loaded(db)).toEqual({ events, ok: true, defects: [] });
        // Every command is recorded as loaded, once.
        expect((await db.query<{ done: number }>('select done from load_progress')).rows.map((r) => Number(r.done))).toEqual([commands]);
      } finally {
        await db.close();
      }
    }, 600_000);
  }

  test('PostgreSQL: rebuild all with a process per lane leaves the read models a rebuild in one process leaves; a lane that dies fails the rebuild and ends the others; lanes end when the rebuild dies', async () => {
    const schema = uniqueSchema('clirebuild');
    cleanup.push(() => dropSchema(schema));
    const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
    expect(cli(['load', file], env).status).toBe(0);
    const db = await PgDb.connect(TEST_DATABASE_URL, { schema });
    try {
      const inProcesses = cli(['rebuild', 'all'], env);
      expect(inProcesses.status).toBe(0);
      expect(inProcesses.stdout).toMatch(/^rebuilt all read models: \d+ events in /m);
      expect(inProcesses.stdout).toMatch(/^lanes \(processes\) ended after: .+; .+$/m);
      expect((await loaded(db)).defects).toEqual([]);
      const inConnections = cli(['rebuild', 'all'], { ...env, PROJECTION_LANE_PROCESSES: 'off' });
      expect(inConnections.status).toBe(0);
      expect(inConnections.stdout).toMatch(/^lanes \(connections\) ended after: /m);
      expect((await loaded(db)).defects).toEqual([]);

      // A table of each lane held locked: both lane processes wait on the locks while the test kills
      // one lane, then the parent. Each time the other processes must end, not go on unwatched.
      const holder = await PgDb.connect(TEST_DATABASE_URL, { schema });
      const started: Array<{ pid: number }> = [];
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const gone = async (pids: number[]) => {
        for (let i = 0; i < 300 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
        return pids.filter(alive);
      };
      /** `rebuild all` started while the locks are held, once both its lanes wait on them. */
      const blockedRebuild = async () => {
        const rebuild = spawn(process.execPath, cliArgs(['rebuild', 'all']), { cwd: root, env: cliEnv(env) });
        started.push({ pid: rebuild.pid! });
        const output = { stdout: '', stderr: '' };
        rebuild.stdout!.on('data', (d) => (output.stdout += d));
        rebuild.stderr!.on('data', (d) => (output.stderr += d));
        const exited = new Promise<number | null>((resolve) => rebuild.on('close', (code) => resolve(code)));
        const lanesOf = (parent: number) => spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout.split('\n')
          .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m && Number(m[2]) === parent && m[3].includes('pass-lane rebuild'))
          .map((m) => ({ pid: Number(m[1]), args: m[3] }));
        for (let i = 0; ; i++) {
          const waiting = await db.query(`select 1 from pg_locks where relation in ('rm_event_index'::regclass, 'rm_alerts'::regclass) and not granted`);
          const lanes = lanesOf(rebuild.pid!);
          if (waiting.rowCount === 2 && lanes.length === 2) {
            started.push(...lanes);
            return { rebuild, lanes, output, exited: Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000))]) };
          }
          if (i > 600) throw new Error('the two lanes never both waited on their locks');
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      try {
        const out = await holder.transaction(async (tx) => {
          await tx.query('lock table rm_event_index, rm_alerts in access exclusive mode');
          // A lane dies: the rebuild fails with its reason and ends the other lane, which is still waiting.
          const one = await blockedRebuild();
          const eventIndexLane = one.lanes.find((l) => l.args.includes('event_index'))!;
          process.kill(eventIndexLane.pid, 'SIGKILL');
          const laneDied = { code: await one.exited, ...one.output, lanesLeft: one.lanes.map((l) => l.pid).filter(alive) };
          // The rebuild itself dies: its lanes see their channel close and end.
          const two = await blockedRebuild();
          two.rebuild.kill('SIGKILL');
          await two.exited;
          return { laneDied, orphansLeft: await gone(two.lanes.map((l) => l.pid)) };
        });
        expect(out.laneDied.code).toBe(1);
        expect(out.laneDied.stderr).toMatch(/the lane of [a-z_, ]*event_index[a-z_, ]* failed: its process ended with SIGKILL/);
        expect(out.laneDied.stdout).not.toMatch(/^rebuilt all read models/m);
        expect(out.laneDied.lanesLeft).toEqual([]);
        expect(out.orphansLeft).toEqual([]);
      } finally {
        for (const p of started) if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
        await holder.close();
      }
      // What the failed rebuild left is rebuilt whole by the next one.
      expect(cli(['rebuild', 'all'], env).status).toBe(0);
      expect(await loaded(db)).toMatchObject({ ok: true, defects: [] });
    } finally {
      await db.close();
    }
  }, 600_000);
});
