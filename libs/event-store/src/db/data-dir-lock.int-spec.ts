import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, lockDataDir } from './data-dir-lock';
import { PgliteDb } from './pglite-db';

/** One process per embedded store, with real files and, for the stale case, a process that really died. */
describe('the embedded store is opened by one process at a time', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'yuantrace-lock-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('a second open of the same folder is refused naming the holder; after close it opens again', async () => {
    const dir = fresh();
    const db = await PgliteDb.open(dir);
    await expect(PgliteDb.open(dir)).rejects.toThrow(new RegExp(`open in process ${process.pid} on ${hostname()}.*stop that process first`));
    await db.close();
    expect(existsSync(join(dir, 'yuantrace.lock'))).toBe(false);
    const again = await PgliteDb.open(dir);
    await again.query('select 1');
    await again.close();
  }, 60_000);

  test('a lock left by a process that died is taken over', () => {
    const dir = fresh();
    // A process that has exited: its pid no longer runs.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    writeFileSync(join(dir, 'yuantrace.lock'), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'crashed api' }));
    const release = lockDataDir(dir, 'test');
    expect(JSON.parse(readFileSync(join(dir, 'yuantrace.lock'), 'utf8'))).toMatchObject({ pid: process.pid, command: 'test' });
    release();
    expect(existsSync(join(dir, 'yuantrace.lock'))).toBe(false);
  });

  test('a lock held by a live process, or by one on another host, is honoured', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'yuantrace.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'x', command: 'the api' }));
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    writeFileSync(join(dir, 'yuantrace.lock'), JSON.stringify({ pid: 1, host: 'elsewhere', since: 'x', command: 'the api' }));
    expect(() => lockDataDir(dir)).toThrow(/process 1 on elsewhere/);
  });
});
