import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { TEST_JWT_SECRET } from './app';
import { TEST_DATABASE_URL } from './databases';
import { freePort } from '../../apps/cli/src/bench/private-postgres';

/**
 * A second api, as its own operating-system process (apps/api/src/main.ts), on the same
 * PostgreSQL schema as the in-test app: what a second replica behind a load balancer is. It runs
 * no projections (the in-test app does) and shares the token secret, so one token works on both.
 */
export async function startApiProcess(schema: string, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  let stderr = '';
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'silent', PORT: String(port), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema,
      JWT_SECRET: TEST_JWT_SECRET, RUN_PROJECTIONS: 'off', DEMO_DATA: 'off', DATABASE_POOL_IDLE_SECONDS: '10',
      // It warms itself up before it listens, as deployed, on a few reads: the default 2,000 would add seconds to each test that starts one.
      API_WARM_UP_REQUESTS: '200', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`the api process exited before answering: ${stderr}`);
      return fetch(`${url}/health`).then((r) => r.ok, () => false);
    }, 90_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    child,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await gone;
    },
  };
}
