import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPosition, PgDb, PgliteDb, PostgresEventStore, START, type Db } from '@yuantrace/event-store';
import { createLedgerContext, generate, loadCommands, loadConfig } from '@yuantrace/ledger';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections, unitFigures, verifyReadModels } from '@yuantrace/read-models';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { findPostgresBinaries } from '../../apps/cli/src/bench/private-postgres';

const root = join(__dirname, '../..');
/**
 * pg_dump and pg_restore come with a PostgreSQL installation, not with the npm package the suite
 * falls back to on a bare machine (it ships only the server); without them the server half of this
 * file cannot be tried there, and says so in its name.
 */
const pgTools = (() => {
  const b = findPostgresBinaries();
  return b?.source === 'machine' && existsSync(join(b.bin, 'pg_dump')) ? { dump: join(b.bin, 'pg_dump'), restore: join(b.bin, 'pg_restore') } : undefined;
})();
const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args],
    { cwd: root, env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 120_000 });

/** What must be the same after a restore: the log's size and head, the county's books, and a clean verify. */
async function books(db: Db) {
  const store = await PostgresEventStore.create(db);
  const head = await store.headPosition();
  const report = await verifyReadModels(store, db, readModelProjections());
  const county = await unitFigures(db, '990101000000', {});
  return { events: (await store.countAfter(START)).toString(), head: head ? formatPosition(head) : null, ok: report.ok, defects: report.defects, county };
}

/** A small generated county loaded through the ledger's own services, its projections caught up. */
async function loadCounty(env: Record<string, string>) {
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'off', JWT_SECRET: 'backup-test-secret-long-enough', ...env }), runProjections: false };
  const app = await createLedgerContext(config);
  try {
    const { commands } = generate('tiny', 7, { households: 40 });
    await loadCommands(app, 'backup-test', commands);
    await app.get(ProjectionRunner).catchUpTogether();
  } finally {
    await app.close();
  }
}

describe('backup and restore that an operator can trust', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  test('embedded: a backup is refused while another process holds the store; back up, destroy, restore, and the books are the same to the fen', async () => {
    const work = mkdtempSync(join(tmpdir(), 'yuantrace-backup-'));
    cleanup.push(() => rmSync(work, { recursive: true, force: true }));
    const dir = join(work, 'data');
    const file = join(work, 'store.tar.gz');
    await loadCounty({ DATA_DIR: dir });
    let db = await PgliteDb.open(dir);
    const before = await books(db);
    expect(before).toMatchObject({ ok: true, defects: [] });
    expect(BigInt(before.events)).toBeGreaterThan(100n);
    // This test holds the store now, as a running api would: the backup says who, and writes nothing.
    const refused = cli(['backup', '--to', file], { DATA_DIR: dir });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`open in process ${process.pid} .*stop that process first`));
    await db.close();

    const backup = cli(['backup', '--to', file], { DATA_DIR: dir });
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(new RegExp(`backed up .*\\(${before.events} events, head position ${before.head!.replace('.', '\\.')}\\)`));
    rmSync(dir, { recursive: true, force: true });

    const restore = cli(['restore', '--from', file], { DATA_DIR: dir });
    expect(restore.stdout).toMatch(new RegExp(`${before.events} events, head position ${before.head!.replace('.', '\\.')}`));
    // Never over a store.
    expect(cli(['restore', '--from', file], { DATA_DIR: dir }).stderr).toMatch(/is not empty: restore into an empty folder/);
    db = await PgliteDb.open(dir);
    try {
      expect(await books(db)).toEqual(before);
    } finally {
      await db.close();
    }
  }, 240_000);

  (pgTools ? test : test.skip)('PostgreSQL: pg_dump of the schema, drop it, pg_restore, and the books are the same to the fen (needs PostgreSQL’s client programs)', async () => {
    const schema = uniqueSchema('backup');
    cleanup.push(() => dropSchema(schema));
    const work = mkdtempSync(join(tmpdir(), 'yuantrace-pgdump-'));
    cleanup.push(() => rmSync(work, { recursive: true, force: true }));
    await loadCounty({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema });
    let db = await PgDb.connect(TEST_DATABASE_URL, { schema, poolSize: 4 });
    const before = await books(db);
    await db.close();
    expect(before).toMatchObject({ ok: true, defects: [] });

    // The README's procedure, word for word.
    const file = join(work, 'yuantrace.dump');
    execFileSync(pgTools!.dump, ['--dbname', TEST_DATABASE_URL, '--schema', schema, '--format', 'custom', '--file', file]);
    await dropSchema(schema);
    execFileSync(pgTools!.restore, ['--dbname', TEST_DATABASE_URL, '--exit-on-error', file]);

    db = await PgDb.connect(TEST_DATABASE_URL, { schema, poolSize: 4 });
    try {
      expect(await books(db)).toEqual(before);
    } finally {
      await db.close();
    }
  }, 240_000);
});
