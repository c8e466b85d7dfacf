import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { batchFigures, fundBatchDecider, type FundBatchEvent, type OpenBatch } from '@yuantrace/domain';
import { EventStore } from '@yuantrace/event-store';
import { waitFor } from '@yuantrace/event-store/contract/event-store-contract';
import { startTestApp, TEST_JWT_SECRET } from '../support/app';
import type { INestApplication } from '@nestjs/common';
import { approveAndStart, registerCounty } from '../support/county';
import { dropSchema, TEST_DATABASE_URL } from '../support/databases';
import { client } from '../support/http';
import { bearer } from '../support/principals';
import { freePort } from '../../apps/cli/src/bench/private-postgres';

async function fundedProject(api: ReturnType<typeof client> & { app: INestApplication }, suffix: string, amount: string) {
  const cty = api.as('countyFinance');
  await cty.post('/fund-batches', { batchId: `B-${suffix}`, documentNo: `县财〔2016〕${suffix}号`, title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
    recipientUnitCode: '990101000000', fiscalYear: 2016, amount, effectiveDate: '2016-03-01', purpose: '产业扶贫' }).expect(201);
  // The budget is larger than the allocation, so it is the allocation's balance that limits payments here.
  await cty.post('/projects', { projectId: `P-${suffix}`, name: '养牛', type: 'INDUSTRY', unitCode: '990101001001', implementer: '合作社', budget: '9999999.00',
    plannedStart: '2016-04-01', plannedEnd: '2016-10-01' }).expect(201);
  await approveAndStart(api.app, `P-${suffix}`, '2016-04-01', '2016-04-02');
  // Work reported done, so progress payments may reach the whole budget; the allocation is the limit.
  await cty.post(`/projects/P-${suffix}/milestones`, { milestoneId: `P-${suffix}-progress`, kind: 'progress', date: '2016-04-20', percentComplete: 100 }).expect(201);
  await cty.post(`/fund-batches/B-${suffix}/allocations`, { allocationId: `A-${suffix}`, target: { type: 'project', projectId: `P-${suffix}` }, amount,
    effectiveDate: '2016-04-01', documentNo: 'D' }).expect(201);
}

const pay = (id: string, suffix: string, amount: string) => ({
  paymentId: id, projectId: `P-${suffix}`, allocationId: `A-${suffix}`, amount, purpose: '进度款', installment: 'progress', effectiveDate: '2016-05-01',
  payee: { type: 'person', id: `H-${id}`, name: '某人', account: '6222000000001111' },
});

async function batchState(store: EventStore, id: string): Promise<OpenBatch> {
  const events = await store.readStream(`fundbatch-${id}`);
  return events.reduce((s, e) => fundBatchDecider.evolve(s, { type: e.type, data: e.data } as FundBatchEvent), fundBatchDecider.initialState()) as OpenBatch;
}

describe('the fund ledger under concurrency and crashes (PostgreSQL server)', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client> & { app: INestApplication };
  beforeAll(async () => {
    t = await startTestApp('postgres', { DATABASE_POOL_SIZE: '30' }, { keepSchema: true });
    api = Object.assign(client(t.app), { app: t.app });
    await registerCounty(t.app);
  });
  // The schema outlives the app (processes started below work in it) and is dropped after it.
  afterAll(async () => {
    await t?.close();
    if (t) await dropSchema(t.schema);
  });

  test('parallel payments against one allocation never pay more than it holds', async () => {
    await fundedProject(api, 'PAR', '100000.00');
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) => api.as('countyFinance').post('/payments', pay(`PAR-${i}`, 'PAR', '10000.00'))),
    );
    const created = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status !== 201);
    expect(created).toHaveLength(10);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'insufficient_balance', field: 'amount' });
    const b = batchFigures(await batchState(t.app.get(EventStore), 'B-PAR'));
    expect(b.held).toBe(100000_00n);
    expect(b.available).toBe(0n);
    // Approve and execute all of them in parallel too: paid equals the allocation, no more.
    await Promise.all(created.map((r) => api.as('countyApprover').post(`/payments/${r.body.paymentId}/approval`, { approved: true, effectiveDate: '2016-05-01' }).expect(200)));
    await Promise.all(created.map((r) => api.as('countyFinance').post(`/payments/${r.body.paymentId}/execution`,
      { channel: 'one_card', bankReference: `BR-${r.body.paymentId}`, effectiveDate: '2016-05-02' }).expect(200)));
    const after = batchFigures(await batchState(t.app.get(EventStore), 'B-PAR'));
    expect(after).toMatchObject({ paid: 100000_00n, held: 0n, available: 0n });
  });

  test('a process killed in the middle of many payment requests leaves each one whole or absent: payment, hold and claim together', async () => {
    await fundedProject(api, 'KILL', '50000.00');
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'silent', PORT: String(port), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema,
        JWT_SECRET: TEST_JWT_SECRET, RUN_PROJECTIONS: 'off' },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const ids = Array.from({ length: 20 }, (_, i) => `KILL-${i}`);
    const answered: string[] = [];
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok).catch(() => false)), 60_000);
      const token = bearer(t.app, 'countyFinance');
      const inFlight = ids.map((id) => request(`http://127.0.0.1:${port}`).post('/payments').set('authorization', token).send(pay(id, 'KILL', '1000.00'))
        .then((r) => { if (r.status === 201) answered.push(id); }, () => undefined));
      // Kill it as soon as the first request is acknowledged: the others are anywhere in their command.
      await waitFor(async () => answered.length > 0, 30_000);
      child.kill('SIGKILL');
      await Promise.all(inFlight);
      expect(await exited).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
    }
    const store = t.app.get(EventStore);
    const batch = await batchState(store, 'B-KILL');
    const projectEvents = await store.readStream('project-P-KILL');
    const claimed = new Set(projectEvents.filter((e) => e.type === 'ProjectPaymentClaimed').map((e) => (e.data as { paymentId: string }).paymentId));
    let whole = 0;
    for (const id of ids) {
      const payment = await store.readStream(`payment-${id}`);
      const parts = [payment.length === 1, batch.holds.has(id), claimed.has(id)];
      // All three or none: an atomic append cannot leave a hold without its payment, or a payment without its claim.
      expect({ id, parts }).toEqual({ id, parts: parts[0] ? [true, true, true] : [false, false, false] });
      if (parts[0]) whole++;
    }
    // Everything acknowledged is there.
    for (const id of answered) expect(batch.holds.get(id)?.status).toBe('held');
    expect(whole).toBeGreaterThanOrEqual(answered.length);
    expect(batchFigures(batch).held).toBe(BigInt(whole) * 1000_00n);
    // And a request retried after the crash answers as the first did, or records it now.
    const retried = await api.as('countyFinance').post('/payments', pay(ids[ids.length - 1], 'KILL', '1000.00'));
    expect(retried.status).toBe(201);
    await api.as('countyApprover').post(`/payments/${ids[ids.length - 1]}/approval`, { approved: true, effectiveDate: '2016-05-02' }).expect(200);
    // An api process starts here (it compiles its TypeScript first) while other test files share the cores.
  }, 180_000);
});
