import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { EventStore } from '@yuantrace/event-store';
import { newEvent, waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { startTestApp, type Backend } from '../support/app';
import { freePort } from '../../apps/cli/src/bench/private-postgres';

describe.each<Backend>(['postgres', 'embedded', 'kurrentdb'])('GET /health on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  test('names the store in use, the last global position and each projection', async () => {
    const empty = await request(t.app.getHttpServer()).get('/health').expect(200);
    expect(empty.body).toMatchObject({ status: 'ok', store: backend, lastPosition: null });
    expect(Array.isArray(empty.body.projections)).toBe(true);
    const store = t.app.get(EventStore);
    const r = await store.appendToStream('project-h1', [newEvent()]);
    // On the server an event joins the global order once no older transaction anywhere in the
    // cluster is still open (other suites run beside this one): wait for that, then compare.
    await waitFor(async () => (await request(t.app.getHttpServer()).get('/health')).body.lastPosition !== null, 10_000);
    const after = await request(t.app.getHttpServer()).get('/health').expect(200);
    expect(after.body.lastPosition).toBe(`${r.position.commit}.${r.position.prepare}`);
  });

  test('answers with a request id, taking the caller’s when given', async () => {
    const res = await request(t.app.getHttpServer()).get('/health').set('x-request-id', 'req-42');
    expect(res.headers['x-request-id']).toBe('req-42');
  });

  test('an unknown route is a 404 in the error format, never a 500', async () => {
    const res = await request(t.app.getHttpServer()).get('/no-such-route').expect(404);
    expect(res.body.error.code).toBe('route_not_found');
  });

  test('serves the OpenAPI document', async () => {
    const res = await request(t.app.getHttpServer()).get('/docs-json').expect(200);
    expect(res.body.paths['/health']).toBeDefined();
  });
});

describe('the api refuses to start on a bad database configuration', () => {
  const root = join(__dirname, '../..');
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  test('a malformed DATABASE_URL', () => {
    const r = start({ DATABASE_URL: 'localhost:5432' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot start: DATABASE_URL/);
  });

  test('an unreachable server', () => {
    const r = start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', JWT_SECRET: 'x'.repeat(20) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot start: DATABASE_URL: cannot reach PostgreSQL at postgres:\/\/postgres@127.0.0.1:1\/none/);
  });
});

describe('one process per embedded store', () => {
  const root = join(__dirname, '../..');
  const args = (script: string) => ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script];

  test('a second api, and a cli command, on the DATA_DIR a running api holds are refused naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yuantrace-two-'));
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', LOG_LEVEL: 'silent', DATA_DIR: dir, DEMO_DATA: 'off' };
    const first = spawn(process.execPath, args('apps/api/src/main.ts'), { cwd: root, env: { ...env, PORT: String(port) }, stdio: 'ignore' });
    try {
      for (let i = 0; i < 600 && !(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      const second = spawnSync(process.execPath, args('apps/api/src/main.ts'), { cwd: root, env: { ...env, PORT: String(port + 1) }, encoding: 'utf8', timeout: 60_000 });
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`cannot start: DATA_DIR: .*open in process ${first.pid} .*stop that process first`));
      const cli = spawnSync(process.execPath, args('apps/cli/src/main.ts').concat('projections'), { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      expect(cli.status).not.toBe(0);
      expect(cli.stderr + cli.stdout).toMatch(new RegExp(`open in process ${first.pid}`));
    } finally {
      first.kill('SIGKILL');
    }
    // The first api died without releasing its lock: the next start takes the stale lock over.
    await new Promise((r) => first.once('exit', r));
    const port2 = port + 2;
    const next = spawn(process.execPath, args('apps/api/src/main.ts'), { cwd: root, env: { ...env, PORT: String(port2) }, stdio: 'ignore' });
    try {
      let up = false;
      for (let i = 0; i < 600 && !(up = await fetch(`http://127.0.0.1:${port2}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(up).toBe(true);
    } finally {
      next.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
