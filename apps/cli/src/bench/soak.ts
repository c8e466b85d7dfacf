import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PgDb, PostgresEventStore } from '@yuantrace/event-store';
import { loadConfig, TokenService } from '@yuantrace/ledger';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { freePort, startPrivatePostgres } from './private-postgres';
import { deployed } from './bench';
import { FIXTURE_UNITS, fundWorksProject } from './works-fixture';

const SECRET = 'soak-secret-of-enough-length';

type Sample = { at: number; ms: number };

/** Resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid: number | undefined): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Math.round(Number(line.replace(/[^0-9]/g, '')) / 1024) : null;
  } catch {
    return null;
  }
}

const p99 = (xs: number[]) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]);

/**
 * A soak: mixed commands and reads at a steady rate against an api and a projector in their own
 * processes, on a PostgreSQL server of its own, while the projector is killed (SIGKILL) and
 * started again at a quarter of the time and PostgreSQL restarts at half. Prints errors by kind,
 * p99 latency per window, memory per process over time, and whether the books verify at the end.
 */
export async function soak(minutes: number, log: (line: string) => void): Promise<{ ok: boolean }> {
  const pg = await startPrivatePostgres();
  const children = new Set<ChildProcess>();
  // Chosen by the system: a random one collided with a connection's own ephemeral port.
  const port = await freePort();
  const env = { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', DATABASE_URL: pg.url, DATABASE_SCHEMA: 'public', JWT_SECRET: SECRET, DEMO_DATA: 'off',
    RUN_PROJECTIONS: 'off', PORT: String(port) };
  const node = (script: string) => {
    const c = deployed(script.includes('projector') ? 'projector' : 'api', env);
    children.add(c);
    c.once('exit', () => children.delete(c));
    return c;
  };
  try {
    const url = `http://127.0.0.1:${port}`;
    const api = node('apps/api/src/main.ts');
    for (let i = 0; !(await fetch(`${url}/health`).then((r) => r.status < 500, () => false)); i++) {
      if (i > 900) throw new Error('the api did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    let projector = node('apps/projector/src/main.ts');
    const tokens = new TokenService(loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: pg.url }));
    const as = (id: string, role: 'finance' | 'approver' | 'auditor', scope: string) => `Bearer ${tokens.issue({ id, role, scope })}`;
    const root = as('root', 'finance', '000000000000');
    const fin = as('fin', 'finance', '990101000000');
    const appr = as('appr', 'approver', '990101000000');
    const aud = as('aud', 'auditor', '990000000000');
    const errors: Record<string, number> = {};
    const samples: Sample[] = [];
    const t0 = Date.now();
    const call = async (auth: string, method: string, path: string, body?: unknown): Promise<number> => {
      const started = performance.now();
      const r = await fetch(url + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
        .then(async (res) => ({ status: res.status, code: ((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code }), (e: Error) => ({ status: 0, code: e.message }));
      samples.push({ at: Date.now() - t0, ms: performance.now() - started });
      if (r.status >= 300) errors[`${r.status} ${r.code ?? ''}`] = (errors[`${r.status} ${r.code ?? ''}`] ?? 0) + 1;
      return r.status;
    };
    for (const u of FIXTURE_UNITS) await call(root, 'PUT', `/admin-units/${u.code}`, { name: u.name, level: u.level, parentCode: u.parentCode });
    await fundWorksProject((method, path, body) => call(fin, method, path, body),
      { batchId: 'SOAK-B', projectId: 'SOAK-P', allocationId: 'SOAK-A', amount: '900000000.00', unitCode: '990101001001' });
    for (const k of Object.keys(errors)) delete errors[k];
    samples.length = 0;

    const duration = minutes * 60_000;
    const memory: Array<{ at: number; api: number | null; projector: number | null }> = [];
    const meter = setInterval(() => memory.push({ at: Date.now() - t0, api: rssMb(api.pid), projector: rssMb(projector.pid) }), 1000);
    const events: string[] = [];
    const chaos = (async () => {
      await new Promise((r) => setTimeout(r, duration / 4));
      projector.kill('SIGKILL');
      events.push(`${Math.round((Date.now() - t0) / 1000)} s: projector killed (SIGKILL)`);
      await new Promise((r) => setTimeout(r, 5000));
      projector = node('apps/projector/src/main.ts');
      events.push(`${Math.round((Date.now() - t0) / 1000)} s: projector started again`);
      await new Promise((r) => setTimeout(r, duration / 4 - 5000));
      pg.restart();
      events.push(`${Math.round((Date.now() - t0) / 1000)} s: PostgreSQL restarted (pg_ctl restart -m fast)`);
    })();
    // A steady rate: a flow (request → approval → execution) and two reads started every 100 ms, whatever the answers.
    let n = 0;
    const running: Array<Promise<unknown>> = [];
    const end = Date.now() + duration;
    while (Date.now() < end) {
      const id = `SOAK-${n++}`;
      running.push((async () => {
        if ((await call(fin, 'POST', '/payments', { paymentId: id, projectId: 'SOAK-P', allocationId: 'SOAK-A', amount: '10.00', purpose: '进度款', installment: 'progress',
          effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'C', name: '公司', account: '6222000011110000' } })) !== 201) return;
        if ((await call(appr, 'POST', `/payments/${id}/approval`, { approved: true, effectiveDate: '2016-06-02' })) !== 200) return;
        await call(fin, 'POST', `/payments/${id}/execution`, { channel: 'bank_transfer', bankReference: `BR-${id}`, effectiveDate: '2016-06-03' });
        await call(aud, 'GET', `/payments/${id}`);
        await call(aud, 'GET', '/admin-units/990101000000/summary');
      })());
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(running);
    await chaos;
    clearInterval(meter);

    // Caught up, then the books: every read model against a rebuild, and the independent fold.
    let health: { status?: string } | undefined;
    for (let i = 0; i < 600 && health?.status !== 'ok'; i++) {
      health = (await fetch(`${url}/health`).then((r) => r.json(), () => undefined)) as { status?: string } | undefined;
      if (health?.status !== 'ok') await new Promise((r) => setTimeout(r, 100));
    }
    const db = await PgDb.connect(pg.url, { schema: 'public', poolSize: 4 });
    let verified;
    try {
      verified = await verifyReadModels(await PostgresEventStore.create(db), db, readModelProjections());
    } finally {
      await db.close();
    }

    log(`soak: ${minutes} min, ${n} flows started (3 commands and 2 reads each, one every 100 ms)`);
    for (const e of events) log(`  ${e}`);
    log(`errors by kind: ${Object.keys(errors).length === 0 ? 'none' : Object.entries(errors).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    const window = Math.max(10_000, Math.round(duration / 12));
    log(`p99 latency per ${window / 1000} s window (ms):`);
    for (let from = 0; from < duration; from += window) {
      const inWindow = samples.filter((s) => s.at >= from && s.at < from + window).map((s) => s.ms);
      log(`  ${String(from / 1000).padStart(5)}–${String((from + window) / 1000).padEnd(5)} s: p99 ${p99(inWindow).toFixed(1)} over ${inWindow.length} requests`);
    }
    const series = (k: 'api' | 'projector') => memory.map((m) => m[k]).filter((x): x is number => x !== null);
    for (const k of ['api', 'projector'] as const) {
      const s = series(k);
      if (s.length) log(`memory ${k}: first ${s[0]} MB, last ${s[s.length - 1]} MB, peak ${Math.max(...s)} MB (growth ${s[s.length - 1] - s[0]} MB)`);
    }
    log(`processes alive at the end: api ${api.exitCode === null ? 'yes' : `no (${api.exitCode})`}, projector ${projector.exitCode === null ? 'yes' : `no (${projector.exitCode})`}`);
    log(`health at the end: ${health?.status ?? 'no answer'}`);
    log(`books: ${verified.ok ? 'OK, read models equal a rebuild and the books agree with an independent fold of the log' : `FAILED ${JSON.stringify({ defects: verified.defects, differences: verified.differences.length, lagging: verified.lagging })}`}`);
    return { ok: verified.ok && health?.status === 'ok' && api.exitCode === null && projector.exitCode === null };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    pg.stop();
  }
}
