import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EventStore, PgDb, PostgresEventStore } from '@yuantrace/event-store';
import { waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { loadConfig, TokenService } from '@yuantrace/ledger';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { TEST_JWT_SECRET } from '../support/app';
import { freePort, startPrivatePostgres } from '../../apps/cli/src/bench/private-postgres';
import { FIXTURE_UNITS, fundWorksProject } from '../../apps/cli/src/bench/works-fixture';

/**
 * PostgreSQL restarted under load, as an operator does it (a fast shutdown ends every session
 * with 57P01), with an api and a projector in their own processes: both live on, the api answers
 * 503 `database_unavailable` meanwhile (never a crash, never a 500), the projector retakes its
 * locks and resumes from its checkpoints, and afterwards every acknowledged command is in books
 * that verify.
 */
describe('a PostgreSQL restart under load (a server of the test’s own)', () => {
  let pg: Awaited<ReturnType<typeof startPrivatePostgres>>;
  const children: ChildProcess[] = [];
  /** What each process wrote to stderr: shown if one of them ends. */
  const stderr: Record<string, string> = {};
  const root = join(__dirname, '../..');
  let api = '';
  const env = () => ({ ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'silent', DATABASE_URL: pg.url, DATABASE_SCHEMA: 'public', JWT_SECRET: TEST_JWT_SECRET,
    DEMO_DATA: 'off', RUN_PROJECTIONS: 'off' });
  const start = (script: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script],
      { cwd: root, env: { ...env(), ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr[script] = (stderr[script] ?? '') + d.toString()));
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    pg = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    pg?.stop();
  });

  test('api and projector live on, catch up, and the books verify', async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const apiProcess = start('apps/api/src/main.ts', { PORT: String(port) });
    await waitFor(async () => {
      if (apiProcess.exitCode !== null) throw new Error(`the api ended before answering: ${stderr['apps/api/src/main.ts'] ?? ''}`);
      return fetch(`${api}/health`).then((r) => r.status < 500, () => false);
    }, 90_000);
    const projector = start('apps/projector/src/main.ts');
    const tokens = new TokenService(loadConfig({ JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: pg.url }));
    const fin = `Bearer ${tokens.issue({ id: 'fin', role: 'finance', scope: '990101000000' })}`;
    const appr = `Bearer ${tokens.issue({ id: 'appr', role: 'approver', scope: '990101000000' })}`;
    const call = (auth: string, method: string, path: string, body: unknown) =>
      fetch(api + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(async (r) => ({ status: r.status, body: (await r.json().catch(() => ({}))) as { error?: { code?: string } } }),
          (e: Error) => ({ status: 0, body: { error: { code: `connection: ${e.message}` } } as { error?: { code?: string } } }));
    const must = async (auth: string, method: string, path: string, body: unknown) => {
      const r = await call(auth, method, path, body);
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    const admin = `Bearer ${tokens.issue({ id: 'root', role: 'finance', scope: '000000000000' })}`;
    for (const u of FIXTURE_UNITS) await must(admin, 'PUT', `/admin-units/${u.code}`, { name: u.name, level: u.level, parentCode: u.parentCode });
    await fundWorksProject((method, path, body) => must(fin, method, path, body),
      { batchId: 'RS-B', projectId: 'RS-P', allocationId: 'RS-A', amount: '10000000.00', unitCode: '990101001001' });

    // The projector is up and following (it holds its advisory locks on sessions of its own) before anything restarts.
    const caughtUp = async () => {
      const h = (await fetch(`${api}/health`).then((r) => r.json(), () => undefined)) as { status?: string; projections: Array<{ lag: string }> } | undefined;
      return h?.status === 'ok' && h.projections.every((p) => p.lag === '0');
    };
    await waitFor(caughtUp, 90_000);

    // Payment flows from four clients; the server restarts while they run. A refused step is retried until it lands.
    const acknowledged = new Set<string>();
    const errors: Record<string, number> = {};
    let restarted = false;
    const flow = async (id: string) => {
      const steps: Array<[string, string, unknown, number]> = [
        [fin, '/payments', { paymentId: id, projectId: 'RS-P', allocationId: 'RS-A', amount: '100.00', purpose: '进度款', installment: 'progress',
          effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'C', name: '公司', account: '6222000011110000' } }, 201],
        [appr, `/payments/${id}/approval`, { approved: true, effectiveDate: '2016-06-02' }, 200],
        [fin, `/payments/${id}/execution`, { channel: 'bank_transfer', bankReference: `BR-${id}`, effectiveDate: '2016-06-03' }, 200],
      ];
      for (const [auth, path, body, ok] of steps) {
        for (let attempt = 0; ; attempt++) {
          const r = await call(auth, 'POST', path, body);
          if (r.status === ok) break;
          const kind = `${r.status} ${r.body?.error?.code ?? ''}`;
          errors[kind] = (errors[kind] ?? 0) + 1;
          if (attempt > 200) throw new Error(`${path} never landed: ${kind}`);
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      acknowledged.add(id);
    };
    const lanes = Array.from({ length: 4 }, async (_, lane) => {
      for (let i = 0; i < 15; i++) await flow(`RS-${lane}-${i}`);
    });
    await waitFor(() => acknowledged.size >= 8, 60_000);
    pg.restart();
    restarted = true;
    await Promise.all(lanes);

    expect(restarted).toBe(true);
    process.stderr.write(`refusals met while the database restarted: ${JSON.stringify(errors)}\n`);
    expect(acknowledged.size).toBe(60);
    // Both processes are still running.
    expect({ exitCodes: [apiProcess.exitCode, projector.exitCode], stderr: apiProcess.exitCode ?? projector.exitCode ? stderr : {} })
      .toEqual({ exitCodes: [null, null], stderr: {} });
    // During the outage the api said so: 503 database_unavailable, never a 500.
    expect(Object.keys(errors).filter((k) => k.startsWith('500'))).toEqual([]);
    // The projector caught up: /health is ok again with no lag.
    await waitFor(caughtUp, 90_000);

    const db = await PgDb.connect(pg.url, { schema: 'public', poolSize: 4 });
    try {
      const store: EventStore = await PostgresEventStore.create(db);
      for (const id of acknowledged) expect({ id, events: (await store.readStream(`payment-${id}`)).map((e) => e.type) })
        .toEqual({ id, events: ['PaymentRequested', 'PaymentApproved', 'PaymentExecuted'] });
      const report = await verifyReadModels(store, db, readModelProjections());
      expect({ ok: report.ok, defects: report.defects, differences: report.differences, lagging: report.lagging })
        .toEqual({ ok: true, defects: [], differences: [], lagging: [] });
    } finally {
      await db.close();
    }
  }, 300_000);
});
