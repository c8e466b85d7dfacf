import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { READ_DB } from '@yuantrace/ledger';
import { startTestApp, type Backend } from '../support/app';
import { approveAndStart, registerCounty, registerHousehold, reportProgress } from '../support/county';
import { client } from '../support/http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACCOUNT = '6222020200112233445';
/** What each backend answered, to show that KurrentDB changes nothing a user can see. */
const answers: Record<string, unknown[]> = {};

describe.each<Backend>(['postgres', 'embedded', 'kurrentdb'])('views, traces and replay to any date on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  let beforeReversal: string;
  let beforeBackdated: string;
  const caughtUp = () => t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const read = async (who: Parameters<ReturnType<typeof client>['as']>[0], path: string, status = 200) => {
    const r = await api.as(who).get(path);
    expect({ path, status: r.status }).toEqual({ path, status });
    return r.body;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    api = client(t.app);
    await registerCounty(t.app);
    const fin = api.as('countyFinance');
    const appr = api.as('countyApprover');
    await fin.post('/fund-batches', { batchId: 'RS-B', documentNo: '县财〔2016〕21号', title: '县级财政专项扶贫资金', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1000000.00', effectiveDate: '2016-03-01', purpose: '基础设施' }).expect(201);
    await fin.post('/projects', { projectId: 'RS-P', name: '双龙村机耕道', type: 'ROAD', unitCode: '990101001001', implementer: '村委会', budget: '500000.00',
      plannedStart: '2016-04-01', plannedEnd: '2016-11-30' }).expect(201);
    await approveAndStart(t.app, 'RS-P');
    // 30% of 500,000 reported by 2016-04-12 covers every progress payment below, the backdated one of 2016-04-15 included
    // (at most 150,000 is claimed at once: RS-PAY-A and RS-PAY-B before B's reversal).
    await reportProgress(t.app, 'RS-P', 30, '2016-04-12');
    for (const [i, id] of ['RS-PAY-A', 'RS-PAY-B', 'RS-PAY-C'].entries()) await registerHousehold(t.app, `HH-${id}`, 100 + i).expect(201);
    await fin.post('/fund-batches/RS-B/allocations', { allocationId: 'RS-A', target: { type: 'project', projectId: 'RS-P' }, amount: '500000.00',
      effectiveDate: '2016-04-01', documentNo: '县财发〔2016〕30号' }).expect(201);
    const pay = async (id: string, amount: string, requested: string, approved: string, executed: string, payeeType = 'household') => {
      await fin.post('/payments', { paymentId: id, projectId: 'RS-P', allocationId: 'RS-A', amount, purpose: '工程款', installment: 'progress', effectiveDate: requested,
        payee: { type: payeeType, id: `HH-${id}`, name: `户主${id}`, account: ACCOUNT } }).expect(201);
      await appr.post(`/payments/${id}/approval`, { approved: true, effectiveDate: approved }).expect(200);
      await fin.post(`/payments/${id}/execution`, { channel: 'one_card', bankReference: `BR-${id}`, effectiveDate: executed }).expect(200);
    };
    await pay('RS-PAY-A', '100000.00', '2016-05-01', '2016-05-05', '2016-05-10');
    await pay('RS-PAY-B', '50000.00', '2016-06-01', '2016-06-05', '2016-06-10');
    await sleep(30);
    beforeReversal = new Date().toISOString();
    await sleep(30);
    await fin.post('/payments/RS-PAY-B/reversal', { reason: '冒领，追回', effectiveDate: '2016-07-01', documentNo: '县纪发〔2016〕5号' }).expect(200);
    await sleep(30);
    beforeBackdated = new Date().toISOString();
    await sleep(30);
    // Recorded last, dated first: a payment the books learn of late (a backdated entry).
    await pay('RS-PAY-C', '30000.00', '2016-04-15', '2016-04-18', '2016-04-20');
    await caughtUp();
  });
  afterAll(async () => t?.close());

  test('fund batch view: amounts, allocations, parent and children, with the basis it used', async () => {
    const b = await read('inspector', '/fund-batches/RS-B');
    expect(b).toMatchObject({ basis: { axis: 'current', asOf: null, knownAt: null }, batchId: 'RS-B', amount: '1000000.00', received: '1000000.00',
      status: 'open', allocated: '0.00', committed: '500000.00', returnedFromBatches: '0.00', returnedFromProjects: '0.00', paid: '130000.00', held: '0.00',
      returned: '0.00', unallocated: '500000.00', available: '370000.00', balance: '870000.00', parent: null, children: [] });
    expect(b.allocations).toEqual([expect.objectContaining({ allocationId: 'RS-A', amount: '500000.00', paid: '130000.00', available: '370000.00',
      target: { type: 'project', projectId: 'RS-P' } })]);
    (answers[backend] ??= []).push(b);
  });

  test('project view as of three dates: before, between and after the payments', async () => {
    const at = (q: string) => read('countyFinance', `/projects/RS-P${q}`);
    const before = await at('?asOf=2016-04-10');
    expect(before).toMatchObject({ basis: { axis: 'asOf', asOf: '2016-04-10' }, committed: '500000.00', paid: '0.00', payments: [] });
    // The project's life as of that date: approved and started, the 30% progress report of 04-12 not yet made.
    expect(before).toMatchObject({ stage: 'started', percentComplete: 0, acceptance: null });
    expect(before.milestones.map((m: { kind: string; date: string }) => [m.kind, m.date])).toEqual([['approved', '2016-04-05'], ['started', '2016-04-10']]);
    expect(before.milestones[0]).toMatchObject({ milestoneId: 'RS-P-approved', documentNo: '县扶贫办〔2016〕3号' });
    const between = await at('?asOf=2016-06-15');
    expect(between).toMatchObject({ paid: '180000.00', balance: '320000.00' });
    expect(between.payments.map((p: { paymentId: string; status: string }) => [p.paymentId, p.status])).toEqual([
      ['RS-PAY-C', 'executed'], ['RS-PAY-A', 'executed'], ['RS-PAY-B', 'executed']]);
    const after = await at('?asOf=2016-12-31');
    expect(after).toMatchObject({ paid: '130000.00', held: '0.00', balance: '370000.00', stage: 'progress', percentComplete: 30 });
    expect(after.fundingBySource).toEqual([{ source: 'COUNTY_BUDGET', committed: '500000.00', returned: '0.00', held: '0.00', paid: '130000.00', balance: '370000.00' }]);
    // Recording instants differ between runs; everything else must be the same on every backend.
    (answers[backend] ??= []).push({ ...after, milestones: after.milestones.map(({ recordedAt: _, ...m }: { recordedAt: string }) => m) });
  });

  test('a payment reversed later still shows as paid when read as known before the reversal', async () => {
    const now = await read('inspector', '/payments/RS-PAY-B');
    expect(now.status).toBe('reversed');
    expect(now.history.map((h: { status: string }) => h.status)).toEqual(['requested', 'approved', 'executed', 'reversed']);
    // Each step on its own business date: the approval on the date its approver gave, not the day it was typed in.
    expect(now.history.map((h: { effectiveDate: string }) => h.effectiveDate)).toEqual(['2016-06-01', '2016-06-05', '2016-06-10', '2016-07-01']);
    const then = await read('inspector', `/payments/RS-PAY-B?knownAt=${beforeReversal}`);
    expect(then).toMatchObject({ basis: { axis: 'knownAt', knownAt: beforeReversal }, status: 'executed' });
    const project = await read('inspector', `/projects/RS-P?knownAt=${beforeReversal}`);
    expect(project.paid).toBe('150000.00');
  });

  test('a backdated payment shows in asOf reads for its date, not in knownAt reads from before it was recorded', async () => {
    expect((await read('auditor', '/projects/RS-P?asOf=2016-04-25')).paid).toBe('30000.00');
    const asKnown = await read('auditor', `/projects/RS-P?asOf=2016-04-25&knownAt=${beforeBackdated}`);
    expect(asKnown).toMatchObject({ basis: { axis: 'asOf+knownAt' }, paid: '0.00' });
    await read('auditor', `/payments/RS-PAY-C?knownAt=${beforeBackdated}`, 404);
  });

  test('a cut-off before any data answers explicitly, never with silence', async () => {
    const b = await read('auditor', '/fund-batches/RS-B?asOf=2015-12-31', 404);
    expect(b.error).toMatchObject({ code: 'not_found_as_of', field: 'asOf' });
    expect(b.error.message).toContain('2015-12-31');
    const s = await read('auditor', '/admin-units/990101000000/summary?asOf=2015-12-31');
    expect(s).toMatchObject({ basis: { asOf: '2015-12-31' }, received: '0.00', paid: '0.00', bySourceAndYear: [] });
  });

  test('trace: payment → allocation → batch → root appropriation, with the 文号 of each hop', async () => {
    const tr = await read('village', '/payments/RS-PAY-A/trace');
    expect(tr.allocation).toMatchObject({ allocationId: 'RS-A', documentNo: '县财发〔2016〕30号', amount: '500000.00' });
    expect(tr.chain).toEqual([expect.objectContaining({ hop: 'appropriation', batchId: 'RS-B', documentNo: '县财〔2016〕21号', source: 'COUNTY_BUDGET' })]);
    expect(tr.root.documentNo).toBe('县财〔2016〕21号');
    // The payee's account: masked for the village, whole for an inspector, the vault's ref for neither.
    expect(tr.payment.payee).toEqual({ type: 'household', id: 'HH-RS-PAY-A', name: '户主RS-PAY-A', account: '***************3445' });
    expect((await read('inspector', '/payments/RS-PAY-A/trace')).payment.payee).toEqual({ type: 'household', id: 'HH-RS-PAY-A', name: '户主RS-PAY-A', account: ACCOUNT });
  });

  test('flow: the downstream tree to every payee, to the fen, with what is unspent', async () => {
    const f = await read('inspector', '/fund-batches/RS-B/flow');
    expect(f.flow).toMatchObject({ batchId: 'RS-B', received: '1000000.00', paid: '130000.00', unallocated: '500000.00', balance: '870000.00' });
    expect(f.flow.children).toEqual([expect.objectContaining({ type: 'project', projectId: 'RS-P', amount: '500000.00', paid: '130000.00', balance: '370000.00' })]);
    expect(f.flow.children[0].payees).toEqual([
      { type: 'household', id: 'HH-RS-PAY-A', name: '户主RS-PAY-A', paid: '100000.00' },
      { type: 'household', id: 'HH-RS-PAY-B', name: '户主RS-PAY-B', paid: '0.00' },
      { type: 'household', id: 'HH-RS-PAY-C', name: '户主RS-PAY-C', paid: '30000.00' },
    ]);
    (answers[backend] ??= []).push(f.flow);
  });

  test('admin-unit summary for a unit and its sub-units, by source and year; CSV with Chinese headers', async () => {
    const s = await read('countyFinance', '/admin-units/990101000000/summary');
    expect(s).toMatchObject({ code: '990101000000', received: '1000000.00', allocated: '0.00', committed: '500000.00', held: '0.00', paid: '130000.00',
      balance: '870000.00', householdsReached: 2 });
    expect(s.bySourceAndYear).toEqual([expect.objectContaining({ source: 'COUNTY_BUDGET', fiscalYear: 2016, received: '1000000.00' })]);
    expect(s.subUnits.map((u: { code: string; paid: string }) => [u.code, u.paid])).toEqual([['990101001000', '130000.00']]);
    const csv = await api.as('countyFinance').get('/admin-units/990101000000/summary?format=csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('\ufeff"单位代码","单位名称","资金来源","年度","收到下达 (received)(元)","退回上级 (returned)(元)","下拨下级 (allocated)(元)",'
      + '"安排项目 (committed)(元)","项目结余退回 (returnedFromProjects)(元)","冻结在途 (held)(元)","已支付 (paid)(元)","结余 (balance)(元)","覆盖农户(户)"');
    // Held money and households reached are in the export; sources by their Chinese names.
    expect(csv.text).toContain('"990101000000","演示县","县级财政专项扶贫资金","2016","1000000.00","0.00","0.00","500000.00","0.00","0.00","130000.00","870000.00",""');
    expect(csv.text).toContain('"990101000000","演示县","合计","","1000000.00","0.00","0.00","500000.00","0.00","0.00","130000.00","870000.00","2"');
    const viaAccept = await api.as('countyFinance').get('/admin-units/990101000000/summary').set('accept', 'text/csv');
    expect(viaAccept.text).toBe(csv.text);
    (answers[backend] ??= []).push(s);
  });

  test('公示: the public sees names and amounts with accounts masked; an inspector sees them unmasked', async () => {
    const pub = await read('public', '/disclosure/units/990101001001');
    const payees = pub.projects[0].payments.map((p: { payee: { account: string } }) => p.payee.account);
    expect(payees).toEqual(['***************3445', '***************3445']);
    expect(JSON.stringify(pub)).not.toContain(ACCOUNT);
    // What each household of the village received, from any programme, net of reversals.
    expect(pub.households).toEqual(expect.arrayContaining([
      { householdId: 'HH-RS-PAY-A', head: '户主100', received: '100000.00' },
      { householdId: 'HH-RS-PAY-B', head: '户主101', received: '0.00' },
    ]));
    expect((await read('village', '/admin-units/990101001001/summary')).householdsReached).toBe(2);
    const insp = await read('inspector', '/disclosure/units/990101001001');
    expect(insp.projects[0].payments.map((p: { payee: { account: string } }) => p.payee.account)).toEqual([ACCOUNT, ACCOUNT]);
    expect((await read('village', '/payments/RS-PAY-A')).payee.account).toBe('***************3445');
    expect((await read('inspector', '/payments/RS-PAY-A')).payee.account).toBe(ACCOUNT);
    expect(JSON.stringify(await read('village', '/projects/RS-P'))).not.toContain(ACCOUNT);
  });

  test('bad reads: unknown ids are 404 with the id, malformed asOf/knownAt and foreign cursors are 400', async () => {
    expect((await read('inspector', '/fund-batches/NOPE', 404)).error).toMatchObject({ code: 'fund_batch_not_found' });
    expect((await read('inspector', '/payments/NOPE/trace', 404)).error.message).toContain('NOPE');
    expect((await read('inspector', '/projects/RS-P?asOf=2016-02-30', 400)).error).toMatchObject({ code: 'invalid_date', field: 'asOf' });
    expect((await read('inspector', '/projects/RS-P?knownAt=yesterday', 400)).error).toMatchObject({ code: 'invalid_instant', field: 'knownAt' });
    expect((await read('inspector', '/events?after=bm90LWEtY3Vyc29y.xyz', 400)).error).toMatchObject({ code: 'invalid_cursor', field: 'after' });
    expect((await read('inspector', '/events?stream=ledger-1', 400)).error.code).toBe('unknown_stream_category');
    expect((await read('inspector', '/events?limit=0', 400)).error.code).toBe('invalid_limit');
  });

  test('the audit log pages by cursor, by stream or after a position, and names the actor', async () => {
    const first = await read('auditor', '/events?stream=payment-RS-PAY-A&limit=2');
    expect(first.events.map((e: { type: string }) => e.type)).toEqual(['PaymentRequested', 'PaymentApproved']);
    expect(first.events[1].metadata.actor).toEqual({ principalId: 'cty-appr', role: 'approver' });
    const second = await read('auditor', `/events?stream=payment-RS-PAY-A&limit=2&after=${encodeURIComponent(first.next)}`);
    expect(second.events.map((e: { type: string }) => e.type)).toEqual(['PaymentExecuted']);
    expect(second.next).toBeNull();
    // The whole log, page by page, without loss or repeat.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: Array<{ eventId: string }>; next: string | null } = await read('auditor', `/events?limit=7${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.events.map((e) => e.eventId));
      cursor = page.next;
    } while (cursor);
    const all = await t.app.get(EventStore).readAll({ maxCount: 10_000 });
    // An auditor of the province sees every event of streams placed in it.
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.length).toBeLessThanOrEqual(all.length);
    // An inspector of the neighbouring county sees none of this county's streams.
    const other = await read({ id: 'x', role: 'inspector', scope: '990102000000' }, '/events?limit=500');
    expect(other.events.filter((e: { streamId: string }) => e.streamId.includes('RS-'))).toEqual([]);
  });

  test('verify: a rebuild equals the live read models and every batch balances; a row altered by hand is reported', async () => {
    const db = t.app.get(READ_DB);
    const store = t.app.get(EventStore);
    const clean = await verifyReadModels(store, db, readModelProjections());
    expect(clean).toMatchObject({ differences: [], conservation: [], lagging: [], ok: true });
    expect(clean.eventsReplayed).toBeGreaterThan(20);
    await db.query(`update rm_payments set amount_fen = 1 where payment_id = 'RS-PAY-A'`);
    await db.query(`update postings set amount_fen = amount_fen + 1 where payment_id = 'RS-PAY-A' and event_type = 'HoldPosted'`);
    const tampered = await verifyReadModels(store, db, readModelProjections());
    expect(tampered.ok).toBe(false);
    expect(tampered.differences.map((d) => `${d.table}:${d.side}`).sort()).toEqual([
      'postings:only_live', 'postings:only_rebuilt', 'rm_payments:only_live', 'rm_payments:only_rebuilt']);
    expect(tampered.conservation.some((c) => c.batchId === 'RS-B' && c.problem.startsWith('paid'))).toBe(true);
  });
});

test('KurrentDB changes nothing a user can see: the same answers as PostgreSQL alone and embedded', () => {
  expect(answers.kurrentdb).toHaveLength(4);
  expect(answers.kurrentdb).toEqual(answers.postgres);
  expect(answers.embedded).toEqual(answers.postgres);
});
