import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { freePort } from '../../apps/cli/src/bench/private-postgres';

/**
 * `npm start` builds and runs the compiled api (dist/): the build must carry everything the api
 * needs at run time (the SQL migrations beside the code), and the compiled api must open a new
 * embedded store, load the demo county and answer, as the README's first command promises.
 */
describe('npm start: the compiled api on a new embedded store', () => {
  const root = join(__dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'yuantrace-start-'));
  let api: ChildProcess | undefined;
  let stderr = '';
  afterAll(() => {
    api?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('builds, starts with the demo county, and serves its 公示 and /health', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore', timeout: 180_000 });
    const port = await freePort();
    // The same command as `npm run serve`.
    api = spawn(process.execPath, ['--max-semi-space-size=4', '-r', 'tsconfig-paths/register', 'dist/apps/api/src/main.js'],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: '', TS_NODE_BASEURL: './dist', DATA_DIR: join(dir, 'data'), PORT: String(port), LOG_LEVEL: 'warn',
        DATABASE_URL: '', KURRENTDB_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    api.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      if (api?.exitCode !== null) throw new Error(`the compiled api ended: ${stderr}`);
      return fetch(`${url}/health`).then((r) => r.ok, () => false);
    }, 150_000);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; store: string };
    expect(health).toMatchObject({ status: 'ok', store: 'embedded' });
    const village = (await (await fetch(`${url}/disclosure/units/990101001001`)).json()) as { projects: unknown[]; name: string };
    expect(village.projects.length).toBeGreaterThan(0);
  }, 300_000);
});
