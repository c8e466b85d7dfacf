import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Principal } from '@yuantrace/domain';
import { READ_DB } from '@yuantrace/ledger';
import { ProjectionRunner } from '@yuantrace/projections';
import type { Db } from '@yuantrace/event-store';
import { startTestApp } from '../support/app';
import { approveAndStart, fundedRoad, registerCounty, registerHousehold, reportProgress, testIdNumber } from '../support/county';
import { client } from '../support/http';

/**
 * Lists, lookups and the audit log's filters for an inspector or a clerk, through the real app on
 * PostgreSQL: filters, paging, sorting, the reader's region, both time axes, the approver's
 * queue, lookups by identity number and account, and the 400s of parameters that do not fit.
 */
describe('lists and lookups on postgres', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  /** An instant after LPAY-4 was requested and before its approval was recorded. */
  let beforeLateApproval: string;
  const fin = () => api.as('countyFinance');
  const otherInspector: Principal = { id: 'other-insp', role: 'inspector', scope: '990102000000' };
  const ids = <T extends Record<string, unknown>>(body: { items: T[] }, key: keyof T) => body.items.map((i) => i[key]);
  const catchUp = () => t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const pay = (paymentId: string, projectId: string, allocationId: string, amount: string, effectiveDate: string, payee: object, who = fin()) =>
    who.post('/payments', { paymentId, projectId, allocationId, amount, purpose: '工程款', installment: 'progress', effectiveDate, payee }).expect(201);
  const contractor = { type: 'contractor', id: 'CT-1', name: '县路桥公司', account: '6222000099998888' };

  beforeAll(async () => {
    t = await startTestApp('postgres');
    api = client(t.app);
    await registerCounty(t.app);
    await fundedRoad(t.app, { batchId: 'LB-1', projectId: 'LP-1', allocationId: 'LA-1' }, '100000.00');
    await fin().post('/fund-batches', { batchId: 'LB-2', documentNo: '县财〔2016〕LB-2号', title: '整合资金', source: 'SECTOR_AGRI', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2017, amount: '50000.00', effectiveDate: '2016-03-05', purpose: '基础设施' }).expect(201);
    await fin().post('/projects', { projectId: 'LP-2', name: '指南村水渠', type: 'WATER', unitCode: '990101001002', implementer: '村委', budget: '50000.00',
      plannedStart: '2016-04-01', plannedEnd: '2016-10-31' }).expect(201);
    await approveAndStart(t.app, 'LP-2');
    await reportProgress(t.app, 'LP-2', 100, '2016-05-20');
    await fin().post('/fund-batches/LB-2/allocations', { allocationId: 'LA-2', target: { type: 'project', projectId: 'LP-2' }, amount: '50000.00',
      effectiveDate: '2016-04-20', documentNo: 'LA-2' }).expect(201);
    // Spent to nothing: returned whole to the treasury.
    await fin().post('/fund-batches', { batchId: 'LB-3', documentNo: '县财〔2016〕LB-3号', title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1000.00', effectiveDate: '2016-03-02', purpose: '产业' }).expect(201);
    await fin().post('/fund-batches/LB-3/returns', { returnId: 'LR-3', amount: '1000.00', reason: '结余', effectiveDate: '2016-06-30' }).expect(201);
    await registerHousehold(t.app, 'LH-1', 1).expect(201);
    await registerHousehold(t.app, 'LH-2', 2, '990101001002').expect(201);
    await fin().post('/households/LH-2/status', { status: 'exited', date: '2016-12-01', reason: '达标' }).expect(200);

    await pay('LPAY-1', 'LP-1', 'LA-1', '10000.00', '2016-06-01', contractor);
    await api.as('countyApprover').post('/payments/LPAY-1/approval', { approved: true, effectiveDate: '2016-06-10' }).expect(200);
    await fin().post('/payments/LPAY-1/execution', { channel: 'bank_transfer', bankReference: 'BR-L1', effectiveDate: '2016-06-12' }).expect(200);
    await pay('LPAY-2', 'LP-1', 'LA-1', '2000.00', '2016-06-05', { type: 'household', id: 'LH-1', name: '户主1', account: '6222000011112222' });
    await pay('LPAY-3', 'LP-2', 'LA-2', '5000.00', '2016-06-03', contractor, api.as('countyFinance2'));
    await pay('LPAY-4', 'LP-1', 'LA-1', '10000.00', '2016-06-02', contractor);
    await new Promise((r) => setTimeout(r, 20));
    beforeLateApproval = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await api.as('countyApprover').post('/payments/LPAY-4/approval', { approved: true, effectiveDate: '2016-06-20' }).expect(200);
    await catchUp();
  });
  afterAll(async () => t?.close());

  describe('GET /payments', () => {
    test('filters each narrow the list, and the total counts all that match', async () => {
      const all = (await fin().get('/payments').expect(200)).body;
      expect({ total: all.total, basis: all.basis.axis, ids: ids(all, 'paymentId') }).toEqual({ total: 4, basis: 'current', ids: ['LPAY-2', 'LPAY-3', 'LPAY-4', 'LPAY-1'] });
      const q = async (query: string) => ids((await fin().get(`/payments?${query}`).expect(200)).body, 'paymentId');
      expect(await q('status=executed')).toEqual(['LPAY-1']);
      expect(await q('status=approved')).toEqual(['LPAY-4']);
      expect(await q('channel=bank_transfer')).toEqual(['LPAY-1']);
      expect(await q('approvedBy=cty-appr&sort=paymentId')).toEqual(['LPAY-1', 'LPAY-4']);
      expect(await q('requestedBy=cty-fin-2')).toEqual(['LPAY-3']);
      expect(await q('projectId=LP-2')).toEqual(['LPAY-3']);
      expect(await q('payeeId=LH-1&payeeType=household')).toEqual(['LPAY-2']);
      expect(await q('amountMin=5000&amountMax=9999.99')).toEqual(['LPAY-3']);
      expect(await q('dateFrom=2016-06-02&dateTo=2016-06-03&sort=effectiveDate')).toEqual(['LPAY-4', 'LPAY-3']);
      expect(await q('unitCode=990101001002')).toEqual(['LPAY-3']);
      const one = (await fin().get('/payments?payeeType=household').expect(200)).body.items[0];
      expect(one).toMatchObject({ paymentId: 'LPAY-2', status: 'requested', amount: '2000.00', requestedBy: 'cty-fin', decidedBy: null, channel: null,
        payee: { type: 'household', id: 'LH-1', name: '户主1', account: '6222000011112222' } });
      expect((await fin().get('/payments?status=executed').expect(200)).body.items[0]).toMatchObject({ decidedBy: 'cty-appr', channel: 'bank_transfer' });
    });

    test('pages with limit and offset in a whitelisted order, without overlap', async () => {
      const first = (await fin().get('/payments?sort=-amount&limit=2').expect(200)).body;
      expect({ ids: ids(first, 'paymentId'), total: first.total, next: first.nextOffset }).toEqual({ ids: ['LPAY-4', 'LPAY-1'], total: 4, next: 2 });
      const second = (await fin().get('/payments?sort=-amount&limit=2&offset=2').expect(200)).body;
      expect({ ids: ids(second, 'paymentId'), next: second.nextOffset }).toEqual({ ids: ['LPAY-3', 'LPAY-2'], next: null });
      expect(ids((await fin().get('/payments?sort=amount').expect(200)).body, 'amount')).toEqual(['2000.00', '5000.00', '10000.00', '10000.00']);
    });

    test('the status is the one as of the basis, on either axis', async () => {
      const q = async (query: string) => ids((await fin().get(`/payments?${query}`).expect(200)).body, 'paymentId');
      expect(await q('status=requested&asOf=2016-06-15&sort=paymentId')).toEqual(['LPAY-2', 'LPAY-3', 'LPAY-4']);
      expect(await q(`status=requested&knownAt=${beforeLateApproval}&sort=paymentId`)).toEqual(['LPAY-2', 'LPAY-3', 'LPAY-4']);
      // Requested on 06-05: not there at all as of 06-04.
      expect(await q('asOf=2016-06-04&sort=paymentId')).toEqual(['LPAY-1', 'LPAY-3', 'LPAY-4']);
      const asOf = (await fin().get('/payments?asOf=2016-06-11&status=approved').expect(200)).body;
      expect({ basis: asOf.basis, ids: ids(asOf, 'paymentId') }).toEqual({ basis: { asOf: '2016-06-11', knownAt: null, axis: 'asOf' }, ids: ['LPAY-1'] });
    });

    test("the approver's queue: waiting for a decision as of the basis, never the approver's own requests", async () => {
      const queue = async (who: Principal | 'countyApprover', query = '') => ids((await api.as(who).get(`/payments?queue=mine${query}`).expect(200)).body, 'paymentId');
      expect(await queue('countyApprover')).toEqual(['LPAY-3', 'LPAY-2']);
      // LPAY-4 was approved on 06-20 (and recorded later): as of 06-15, or as known before, it still waited.
      expect(await queue('countyApprover', '&asOf=2016-06-15')).toEqual(['LPAY-4', 'LPAY-3', 'LPAY-2']);
      expect(await queue('countyApprover', `&knownAt=${beforeLateApproval}`)).toEqual(['LPAY-4', 'LPAY-3', 'LPAY-2']);
      // cty-fin requested LPAY-2 and LPAY-4 itself: as an approver it may not decide them, so they are not in its queue.
      expect(await queue({ id: 'cty-fin', role: 'approver', scope: '990101000000' }, '&asOf=2016-06-15')).toEqual(['LPAY-3']);
      const r = await api.as('countyApprover').get('/payments?queue=mine&status=executed');
      expect({ status: r.status, code: r.body.error?.code, field: r.body.error?.field }).toEqual({ status: 400, code: 'conflicting_parameters', field: 'status' });
    });

    test('a village reader sees only its village, accounts masked; a unit outside the scope is refused', async () => {
      const v = (await api.as('village').get('/payments?sort=paymentId').expect(200)).body;
      expect(ids(v, 'paymentId')).toEqual(['LPAY-1', 'LPAY-2', 'LPAY-4']);
      expect(v.items.find((i: { paymentId: string }) => i.paymentId === 'LPAY-2').payee.account).not.toContain('6222000011112222');
      for (const [who, unit] of [['village', '990101001002'], ['countyFinance', '990102000000']] as const) {
        const r = await api.as(who).get(`/payments?unitCode=${unit}`);
        expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 403, code: 'out_of_scope' });
      }
    });

    test.each([
      ['limit=0', 'invalid_limit', 'limit'], ['limit=1e2', 'invalid_limit', 'limit'], ['limit=501', 'invalid_limit', 'limit'], ['offset=-1', 'invalid_offset', 'offset'],
      ['sort=payee', 'invalid_sort', 'sort'], ['status=paid', 'invalid_status', 'status'], ['amountMin=abc', 'invalid_amount', 'amountMin'],
      ['amountMax=1.234', 'invalid_amount', 'amountMax'], ['dateFrom=2016-02-30', 'invalid_date', 'dateFrom'], ['colour=red', 'unknown_parameter', 'colour'],
      ['status=requested&status=approved', 'invalid_parameter', 'status'], ['unitCode=123', 'invalid_unit_code', 'unitCode'], ['asOf=yesterday', 'invalid_date', 'asOf'],
      ['channel=pigeon', 'invalid_channel', 'channel'], ['queue=all', 'invalid_queue', 'queue'],
    ])('GET /payments?%s is a 400 %s naming %s', async (query, code, field) => {
      const r = await fin().get(`/payments?${query}`);
      expect({ status: r.status, code: r.body.error?.code, field: r.body.error?.field }).toEqual({ status: 400, code: expect.stringMatching(code === 'invalid_date' ? /^invalid_/ : `^${code}$`), field });
    });
  });

  test('GET /projects: unit, type, stage as of the basis, year; scoped', async () => {
    const q = async (query: string, who: 'countyFinance' | 'village' = 'countyFinance') => ids((await api.as(who).get(`/projects?${query}`).expect(200)).body, 'projectId');
    const all = (await fin().get('/projects').expect(200)).body;
    expect({ total: all.total, items: all.items.map((i: { projectId: string; stage: string }) => [i.projectId, i.stage]) })
      .toEqual({ total: 2, items: [['LP-1', 'progress'], ['LP-2', 'progress']] });
    expect(all.items[0]).toMatchObject({ budget: '100000.00', type: 'ROAD', unitCode: '990101001001' });
    expect(await q('type=WATER')).toEqual(['LP-2']);
    expect(await q('stage=approved&asOf=2016-04-07')).toEqual(['LP-1', 'LP-2']);
    expect(await q('stage=progress&asOf=2016-04-07')).toEqual([]);
    expect(await q('year=2016&sort=-projectId')).toEqual(['LP-2', 'LP-1']);
    expect(await q('year=2015')).toEqual([]);
    expect(await q('unitCode=990101001002')).toEqual(['LP-2']);
    expect(await q('', 'village')).toEqual(['LP-1']);
    expect((await fin().get('/projects?stage=built').expect(400)).body.error.field).toBe('stage');
    expect((await api.as('village').get('/projects?unitCode=990101001002').expect(403)).body.error.code).toBe('out_of_scope');
  });

  test('GET /fund-batches: unspent only, since when, sorted by what is left and by age; each equal to the batch view', async () => {
    const all = (await fin().get('/fund-batches').expect(200)).body;
    expect(ids(all, 'batchId')).toEqual(['LB-1', 'LB-2', 'LB-3']);
    const unspent = (await fin().get('/fund-batches?unspentOnly=true&sort=-unspent').expect(200)).body;
    expect(unspent.items.map((i: Record<string, unknown>) => [i.batchId, i.unspent, i.unspentSince, i.status]))
      .toEqual([['LB-1', '78000.00', '2016-03-01', 'open'], ['LB-2', '45000.00', '2016-03-05', 'open']]);
    for (const b of unspent.items) expect(b.unspent).toBe((await fin().get(`/fund-batches/${b.batchId}`).expect(200)).body.balance);
    // Oldest unspent money first: LB-1's arrived on 03-01, LB-2's on 03-05.
    expect(ids((await fin().get('/fund-batches?unspentOnly=true&sort=-age').expect(200)).body, 'batchId')).toEqual(['LB-1', 'LB-2']);
    expect(ids((await fin().get('/fund-batches?unspentOnly=true&sort=age').expect(200)).body, 'batchId')).toEqual(['LB-2', 'LB-1']);
    const early = (await fin().get('/fund-batches?asOf=2016-05-01&unspentOnly=true').expect(200)).body;
    expect(early.items.map((i: Record<string, unknown>) => [i.batchId, i.unspent, i.ageDays])).toEqual([['LB-1', '100000.00', 61], ['LB-2', '50000.00', 57], ['LB-3', '1000.00', 60]]);
    const known = (await fin().get(`/fund-batches?knownAt=${beforeLateApproval}&sort=batchId`).expect(200)).body;
    expect(known.items.map((i: Record<string, unknown>) => i.unspent)).toEqual(['78000.00', '45000.00', '0.00']);
    expect(ids((await fin().get('/fund-batches?source=SECTOR_AGRI').expect(200)).body, 'batchId')).toEqual(['LB-2']);
    expect(ids((await fin().get('/fund-batches?fiscalYear=2017').expect(200)).body, 'batchId')).toEqual(['LB-2']);
    expect(ids((await fin().get('/fund-batches?status=closed').expect(200)).body, 'batchId')).toEqual([]);
    expect((await fin().get('/fund-batches?unspentOnly=yes').expect(400)).body.error.field).toBe('unspentOnly');
    expect((await fin().get('/fund-batches?unitCode=990102000000').expect(403)).body.error.code).toBe('out_of_scope');
    await api.as('village').get('/fund-batches').expect(403);
  });

  test('GET /households: status as of the basis, category, part of the head\'s name; identity masked for the village', async () => {
    const q = async (query: string) => ids((await fin().get(`/households?${query}`).expect(200)).body, 'householdId');
    expect(await q('')).toEqual(['LH-1', 'LH-2']);
    expect(await q('status=exited')).toEqual(['LH-2']);
    expect(await q('status=exited&asOf=2016-11-30')).toEqual([]);
    expect(await q('status=registered&asOf=2016-11-30')).toEqual(['LH-1', 'LH-2']);
    expect(await q(`name=${encodeURIComponent('主2')}`)).toEqual(['LH-2']);
    expect(await q('category=wubao')).toEqual([]);
    expect(await q('sort=-householdId&limit=1')).toEqual(['LH-2']);
    const full = (await fin().get('/households?limit=1').expect(200)).body.items[0];
    expect(full).toMatchObject({ householdId: 'LH-1', head: { name: '户主1', idNumber: testIdNumber('1970-01-01', 1) }, memberCount: 1, status: 'registered' });
    const village = (await api.as('village').get('/households').expect(200)).body;
    expect(ids(village, 'householdId')).toEqual(['LH-1']);
    expect(village.items[0].head.idNumber).not.toBe(testIdNumber('1970-01-01', 1));
    expect(village.items[0].head.idNumber).toContain('*');
  });

  describe('lookups', () => {
    const vaultSize = async () => Number((await t.app.get<Db>(READ_DB).query<{ n: string }>('select count(*) as n from personal_data')).rows[0].n);

    test('by identity number: the household and the member, in scope only', async () => {
      const idNumber = testIdNumber('1970-01-01', 2);
      const r = (await api.as('inspector').post('/lookups/identity', { idNumber }).expect(200)).body;
      expect(r.households).toEqual([{ householdId: 'LH-2', unitCode: '990101001002', category: 'general', registeredOn: '2015-10-01', status: 'exited',
        member: { name: '户主2', relation: 'head', birthYear: 1970, idNumber } }]);
      expect((await api.as(otherInspector).post('/lookups/identity', { idNumber }).expect(200)).body).toEqual({ households: [] });
      expect((await api.as('auditor').post('/lookups/identity', { idNumber: idNumber.toLowerCase() }).expect(200)).body.households).toHaveLength(1);
    });

    test('no match answers empty and stores nothing in the vault', async () => {
      const before = await vaultSize();
      expect((await api.as('inspector').post('/lookups/identity', { idNumber: testIdNumber('1980-02-02', 77) }).expect(200)).body).toEqual({ households: [] });
      expect((await api.as('countyFinance').post('/lookups/account', { account: '9999000011110000' }).expect(200)).body)
        .toEqual({ payments: [], payees: [], households: [] });
      expect(await vaultSize()).toBe(before);
    });

    test('by account: the payments paid to it, their payees and households', async () => {
      const r = (await api.as('auditor').post('/lookups/account', { account: '6222000011112222' }).expect(200)).body;
      expect(r).toEqual({
        payments: [{ paymentId: 'LPAY-2', projectId: 'LP-1', unitCode: '990101001001', status: 'requested', payee: { type: 'household', id: 'LH-1', name: '户主1' },
          householdId: 'LH-1', amount: '2000.00', effectiveDate: '2016-06-05', account: '6222000011112222' }],
        payees: [{ type: 'household', id: 'LH-1', name: '户主1' }], households: ['LH-1'],
      });
      const shared = (await api.as('inspector').post('/lookups/account', { account: contractor.account }).expect(200)).body;
      expect(shared.payments.map((p: { paymentId: string }) => p.paymentId)).toEqual(['LPAY-1', 'LPAY-4', 'LPAY-3']);
      expect(shared.payees).toEqual([{ type: 'contractor', id: 'CT-1', name: '县路桥公司' }]);
      expect((await api.as(otherInspector).post('/lookups/account', { account: contractor.account }).expect(200)).body.payments).toEqual([]);
    });

    test('the value goes in the body only, well formed, and only to roles that may look people up', async () => {
      await api.as('inspector').get(`/lookups/identity?idNumber=${testIdNumber('1970-01-01', 2)}`).expect(404);
      expect((await api.as('inspector').post('/lookups/identity', { idNumber: '12345' }).expect(400)).body.error.field).toBe('idNumber');
      expect((await api.as('inspector').post('/lookups/account', { account: 'x' }).expect(400)).body.error.field).toBe('account');
      expect((await api.as('inspector').post('/lookups/account', { account: '62220000', extra: 1 }).expect(400)).body.error.code).toBeDefined();
      for (const who of ['village', 'countyApprover'] as const) {
        expect((await api.as(who).post('/lookups/identity', { idNumber: testIdNumber('1970-01-01', 2) }).expect(403)).body.error.code).toBe('role_not_allowed');
      }
    });
  });

  describe('the audit log filtered, and one official\'s activity', () => {
    test('/events?type=…&actor=… answers exactly those events, in order', async () => {
      const r = (await api.as('auditor').get('/events?type=PaymentApproved&actor=cty-appr').expect(200)).body;
      expect(r.events.map((e: { streamId: string; type: string; metadata: { actor: { principalId: string } } }) => [e.streamId, e.type, e.metadata.actor.principalId]))
        .toEqual([['payment-LPAY-1', 'PaymentApproved', 'cty-appr'], ['payment-LPAY-4', 'PaymentApproved', 'cty-appr']]);
      const several = (await api.as('auditor').get('/events?type=PaymentApproved,PaymentExecuted&streamKind=payment').expect(200)).body;
      expect(several.events.map((e: { type: string }) => e.type)).toEqual(['PaymentApproved', 'PaymentExecuted', 'PaymentApproved']);
      expect((await api.as('auditor').get('/events?actor=cty-fin-2&type=PaymentRequested').expect(200)).body.events.map((e: { streamId: string }) => e.streamId))
        .toEqual(['payment-LPAY-3']);
      expect((await api.as('auditor').get(`/events?type=PaymentApproved&from=${beforeLateApproval}`).expect(200)).body.events.map((e: { streamId: string }) => e.streamId))
        .toEqual(['payment-LPAY-4']);
      expect((await api.as('auditor').get('/events?type=PaymentApproved&asOfFrom=2016-06-11&asOfTo=2016-06-30').expect(200)).body.events).toHaveLength(1);
    });

    test('filtered pages follow the cursor without overlap, and the reader\'s region holds', async () => {
      const first = (await api.as('auditor').get('/events?streamKind=payment&limit=3').expect(200)).body;
      const second = (await api.as('auditor').get(`/events?streamKind=payment&limit=3&after=${encodeURIComponent(first.next)}`).expect(200)).body;
      const all = (await api.as('auditor').get('/events?streamKind=payment&limit=500').expect(200)).body;
      expect([...first.events, ...second.events].map((e: { eventId: string }) => e.eventId)).toEqual(all.events.slice(0, 6).map((e: { eventId: string }) => e.eventId));
      // A cursor of one listing is no good for another.
      expect((await api.as('auditor').get(`/events?streamKind=project&after=${encodeURIComponent(first.next)}`).expect(400)).body.error.code).toBe('invalid_cursor');
      const village = { id: 'vil-insp', role: 'inspector', scope: '990101001002' } as Principal;
      expect((await api.as(village).get('/events?streamKind=payment&limit=500').expect(200)).body.events.map((e: { streamId: string }) => e.streamId))
        .toEqual(['payment-LPAY-3']);
      expect((await api.as(otherInspector).get('/events?type=PaymentRequested').expect(200)).body.events).toEqual([]);
    });

    test.each([
      ['type=PaymentPaid', 'unknown_event_type', 'type'], ['type=PaymentApproved,nope', 'unknown_event_type', 'type'], ['streamKind=wallet', 'unknown_stream_kind', 'streamKind'],
      ['colour=red', 'unknown_parameter', 'colour'], ['from=yesterday', 'invalid_instant', 'from'], ['asOfTo=2016-13-01', 'invalid_date', 'asOfTo'],
      ['stream=payment-LPAY-1&type=PaymentApproved', 'conflicting_parameters', 'stream'], ['actor=a%20b', 'invalid_id', 'actor'],
    ])('/events?%s is a 400 %s naming %s', async (query, code, field) => {
      const r = await api.as('auditor').get(`/events?${query}`);
      expect({ status: r.status, code: r.body.error?.code, field: r.body.error?.field }).toEqual({ status: 400, code: expect.stringMatching(code === 'invalid_date' ? /^invalid_/ : `^${code}$`), field });
    });

    test('GET /actors/{id}/activity: everything the official recorded, in recorded order, under the basis', async () => {
      const r = (await api.as('inspector').get('/actors/cty-appr/activity').expect(200)).body;
      expect({ total: r.total, streams: r.events.map((e: { streamId: string }) => e.streamId), principalId: r.principalId })
        .toEqual({ total: 2, streams: ['payment-LPAY-1', 'payment-LPAY-4'], principalId: 'cty-appr' });
      const clerk = (await api.as('inspector').get('/actors/cty-fin/activity?limit=500').expect(200)).body;
      const types = new Set(clerk.events.map((e: { type: string }) => e.type));
      for (const type of ['FundBatchIssued', 'FundsAllocated', 'PaymentRequested', 'PaymentExecuted', 'HouseholdRegistered']) expect([type, types.has(type)]).toEqual([type, true]);
      expect(clerk.events.every((e: { metadata: { actor: { principalId: string } } }) => e.metadata.actor.principalId === 'cty-fin')).toBe(true);
      const positions = clerk.events.map((e: { position: string }) => e.position.split('.').map(BigInt));
      for (let i = 1; i < positions.length; i++) expect(positions[i - 1][0] < positions[i][0] || (positions[i - 1][0] === positions[i][0] && positions[i - 1][1] < positions[i][1])).toBe(true);
      expect(clerk.total).toBe(clerk.events.length);
      expect((await api.as('inspector').get('/actors/cty-appr/activity?asOf=2016-06-15').expect(200)).body.events.map((e: { streamId: string }) => e.streamId))
        .toEqual(['payment-LPAY-1']);
      expect((await api.as('inspector').get(`/actors/cty-appr/activity?knownAt=${beforeLateApproval}`).expect(200)).body.total).toBe(1);
      const paged = (await api.as('auditor').get('/actors/cty-appr/activity?limit=1').expect(200)).body;
      const next = (await api.as('auditor').get(`/actors/cty-appr/activity?limit=1&after=${encodeURIComponent(paged.next)}`).expect(200)).body;
      expect([...paged.events, ...next.events].map((e: { streamId: string }) => e.streamId)).toEqual(['payment-LPAY-1', 'payment-LPAY-4']);
      expect((await api.as(otherInspector).get('/actors/cty-appr/activity').expect(200)).body).toMatchObject({ total: 0, events: [] });
      expect((await api.as('inspector').get('/actors/cty-appr/activity?type=x').expect(400)).body.error.code).toBe('unknown_parameter');
      await api.as('countyFinance').get('/actors/cty-appr/activity').expect(403);
    });
  });
});
