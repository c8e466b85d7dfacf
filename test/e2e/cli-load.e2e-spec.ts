import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
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
const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args],
    { cwd: root, env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', LOG_LEVEL: 'silent', JWT_SECRET: 'cli-load-test-secret-long-enough', ...env }, encoding: 'utf8', timeout: 240_000 });

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
});
