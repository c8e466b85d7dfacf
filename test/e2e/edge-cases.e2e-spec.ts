import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { READ_DB } from '@yuantrace/ledger';
import { PersonalDataVault } from '@yuantrace/ledger';
import { startTestApp } from '../support/app';
import { approveAndStart, registerCounty, registerHousehold, reportProgress, testIdNumber } from '../support/county';
import { client } from '../support/http';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app';
import { Clock, loadConfig } from '@yuantrace/ledger';
import { bearer } from '../support/principals';

/** Defects found in review, each pinned by a test. */
describe('edge cases', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const fin = () => api.as('countyFinance');
  const caughtUp = () => t.app.get(ProjectionRunner).waitUntilCaughtUp();

  beforeAll(async () => {
    t = await startTestApp('postgres');
    api = client(t.app);
    await registerCounty(t.app);
    for (const id of ['EC-B1', 'EC-B2']) {
      await fin().post('/fund-batches', { batchId: id, documentNo: `县财〔2016〕${id}号`, title: 't', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
        recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1000.00', effectiveDate: '2016-03-01', purpose: 'p' }).expect(201);
    }
    await fin().post('/projects', { projectId: 'EC-P', name: 'p', type: 'ROAD', unitCode: '990101001001', implementer: 'i', budget: '1000.00',
      plannedStart: '2016-05-01', plannedEnd: '2016-10-31' }).expect(201);
    await approveAndStart(t.app, 'EC-P');
    // All the work reported done: the progress payments below are limited by their allocations alone.
    await reportProgress(t.app, 'EC-P', 100, '2016-05-20');
    await fin().post('/fund-batches/EC-B1/allocations', { allocationId: 'EC-A1', target: { type: 'project', projectId: 'EC-P' }, amount: '500.00', effectiveDate: '2016-04-20', documentNo: 'd' }).expect(201);
    await fin().post('/fund-batches/EC-B2/allocations', { allocationId: 'EC-A2', target: { type: 'project', projectId: 'EC-P' }, amount: '500.00', effectiveDate: '2016-04-20', documentNo: 'd' }).expect(201);
  });
  afterAll(async () => t?.close());

  const pay = (allocationId: string, amount: string, account = '6222000011110000') => fin().post('/payments', { paymentId: 'EC-PAY', projectId: 'EC-P', allocationId, amount,
    purpose: 'x', installment: 'progress', effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'C', name: '公司', account } });

  test('a payment id reused on another allocation is refused before any hold is written there', async () => {
    await pay('EC-A1', '100.00').expect(201);
    await pay('EC-A1', '100.00').expect(201);
    expect((await pay('EC-A2', '400.00').expect(409)).body.error.code).toBe('id_reused_with_different_payload');
    expect((await t.app.get(EventStore).readStream('fundbatch-EC-B2')).map((e) => e.type)).not.toContain('FundsHeld');
    await fin().post('/fund-batches/EC-B2/closure', { effectiveDate: '2016-12-31', remainder: 'return' }).expect(200);
  });

  // A refused command may leave the value it brought in the vault (deleting it could take it from
  // under a concurrent command that refers to the same value; see two-writers), but nothing refers
  // to it, so no read can ever reveal it.
  test('a refused payment leaves no personal data reachable: no event refers to its account', async () => {
    const account = '6222999988887777';
    const r = await fin().post('/payments', { paymentId: 'EC-PAY-2', projectId: 'EC-P', allocationId: 'EC-A1', amount: '900.00', purpose: 'x', installment: 'progress',
      effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'C', name: '公司', account } });
    expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 422, code: 'insufficient_balance' });
    const vault = t.app.get(PersonalDataVault);
    const ref = vault.refOf('account', account);
    const log = await t.app.get(EventStore).readAll({ maxCount: 100_000 });
    expect(log.filter((e) => JSON.stringify(e.data).includes(ref))).toEqual([]);
    expect((await t.app.get(EventStore).readStream('payment-EC-PAY-2'))).toEqual([]);
  });

  test('公示 reveals accounts only to staff whose region covers the unit', async () => {
    await api.as('countyApprover').post('/payments/EC-PAY/approval', { approved: true, effectiveDate: '2016-06-02' }).expect(200);
    await fin().post('/payments/EC-PAY/execution', { channel: 'bank_transfer', bankReference: 'B', effectiveDate: '2016-06-05' }).expect(200);
    await caughtUp();
    const accounts = async (who: Parameters<typeof api.as>[0]) =>
      (await api.as(who).get('/disclosure/units/990101001001').expect(200)).body.projects.flatMap((p: { payments: Array<{ payee: { account: string } }> }) => p.payments.map((x) => x.payee.account));
    expect(await accounts('countyFinance')).toEqual(['6222000011110000']);
    expect(await accounts({ id: 'far', role: 'finance', scope: '980000000000' })).toEqual(['************0000']);
  });

  test('renaming a unit back to an earlier name is recorded, not taken for a retry', async () => {
    const put = (name: string) => api.as('countyFinance').put('/admin-units/990101001099', { name, level: 'village', parentCode: '990101001000' }).expect(200);
    await put('甲村');
    await put('乙村');
    await put('甲村');
    const events = await t.app.get(EventStore).readStream('adminunit-990101001099');
    expect(events.map((e) => [e.type, e.data.name])).toEqual([['AdminUnitRegistered', '甲村'], ['AdminUnitRenamed', '乙村'], ['AdminUnitRenamed', '甲村']]);
  });

  test('a knownAt outside the calendar is a 400, never a 500', async () => {
    const r = await api.as('public').get('/disclosure/units/990101001001?knownAt=0000-01-01T00:00:00Z');
    expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 400, code: 'invalid_instant' });
  });

  test('a value of the wrong kind is named as such, not by a bound of its kind; a null where the contract allows none is a 400; nothing is written', async () => {
    const head = await t.app.get(EventStore).headPosition();
    const batch = { batchId: 'EC-B9', documentNo: 'd', title: 't', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY', recipientUnitCode: '990101000000', fiscalYear: 2016,
      amount: '1000.00', effectiveDate: '2016-03-01', purpose: 'p' };
    const refused = async (path: string, body: object) => {
      const r = await fin().post(path, body);
      return { status: r.status, code: r.body.error?.code, field: r.body.error?.field, message: r.body.error?.message as string };
    };
    expect(await refused('/fund-batches', { ...batch, fiscalYear: '2016' })).toEqual({ status: 400, code: 'invalid_field', field: 'fiscalYear',
      message: 'fiscalYear must be an integer number' });
    expect(await refused('/fund-batches', { ...batch, fiscalYear: 3000 })).toMatchObject({ status: 400, field: 'fiscalYear', message: 'fiscalYear must not be greater than 2100' });
    expect(await refused('/fund-batches', { ...batch, documentNo: 7 })).toMatchObject({ status: 400, field: 'documentNo', message: 'documentNo must be a string' });
    expect(await refused('/fund-batches/EC-B1/returns', { returnId: 'EC-R9', amount: '1.00', reason: 'x', effectiveDate: '2016-06-01', allocationId: null }))
      .toMatchObject({ status: 400, code: 'invalid_field', field: 'allocationId', message: expect.stringContaining('must not be null') });
    expect(await refused('/payments', { paymentId: 'EC-PAY-9', projectId: 'EC-P', allocationId: 'EC-A1', amount: '1.00', purpose: 'x', installment: 'progress',
      effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'C', name: '公司', account: '6222000011110000' }, replacesPaymentId: null }))
      .toMatchObject({ status: 400, code: 'invalid_field', field: 'replacesPaymentId' });
    expect(await t.app.get(EventStore).headPosition()).toEqual(head);
  });

  test('a basis in the future is refused on every kind of read, not answered with today’s figures', async () => {
    const tomorrow = new Date(Date.now() + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    for (const path of ['/disclosure/units/990101001001', '/admin-units/990101000000/summary', '/projects/EC-P', '/payments', '/alerts', '/cases']) {
      const sep = path.includes('?') ? '&' : '?';
      const byDay = await api.as('auditor').get(`${path}${sep}asOf=${tomorrow}`);
      expect({ path, status: byDay.status, error: byDay.body.error }).toMatchObject({ path, status: 422, error: { code: 'date_in_future', field: 'asOf' } });
      const byInstant = await api.as('auditor').get(`${path}${sep}knownAt=${encodeURIComponent(inAnHour)}`);
      expect({ path, status: byInstant.status, error: byInstant.body.error }).toMatchObject({ path, status: 422, error: { code: 'instant_in_future', field: 'knownAt' } });
    }
    // Today, and a console's "now" a minute ahead of this clock, are answered; a list's own range may end ahead.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const ahead = (await api.as('auditor').get(`/admin-units/990101000000/summary?asOf=${today}&knownAt=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      .expect(200)).body;
    // Read as now, and said so: the basis an answer states is never an instant still to come.
    expect(Date.parse(ahead.basis.knownAt)).toBeLessThanOrEqual(Date.now());
    await api.as('auditor').get(`/events?to=${encodeURIComponent(inAnHour)}`).expect(200);
  });

  test('a project does not exist as of a date before it was due to start or funded', async () => {
    await caughtUp();
    const r = await api.as('auditor').get('/projects/EC-P?asOf=2016-03-01');
    expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 404, code: 'not_found_as_of' });
    await api.as('auditor').get('/projects/EC-P?asOf=2016-04-20').expect(200);
  });

  test('a refused registration leaves no identity number reachable, and names no household outside the caller’s region', async () => {
    const kid = testIdNumber('2010-05-05', 71);
    await registerHousehold(t.app, 'EC-H1', 70, '990101001001', { members: [{ name: '孩', idNumber: kid, relation: 'child' }] }).expect(201);
    await caughtUp();
    const lonely = testIdNumber('1980-01-01', 72);
    const dup = await registerHousehold(t.app, 'EC-H2', 72, '990101001001', { head: { name: '甲', idNumber: lonely },
      members: [{ name: '孩', idNumber: kid, relation: 'child' }] }).expect(409);
    expect(dup.body.error.message).toContain('EC-H1');
    const vault = t.app.get(PersonalDataVault);
    const lonelyRef = vault.refOf('id_number', lonely);
    expect((await t.app.get(EventStore).readAll({ maxCount: 100_000 })).filter((e) => JSON.stringify(e.data).includes(lonelyRef))).toEqual([]);
    expect(await t.app.get(EventStore).readStream('household-EC-H2')).toEqual([]);
    // The same conflict seen by a finance clerk of another county does not learn which household it is.
    const far = await api.as({ id: 'far-fin', role: 'finance', scope: '990102000000' }).post('/households').send({
      householdId: 'EC-H3', unitCode: '990102001001', head: { name: '乙', idNumber: kid }, members: [], category: 'general', causes: ['ILLNESS'], registeredOn: '2015-10-01' });
    expect(far.status).toBe(409);
    expect(far.body.error.message).not.toContain('EC-H1');
    expect((await t.app.get(READ_DB).query('select 1 from rm_households where household_id = $1', ['EC-H3'])).rowCount).toBe(0);
  });
});
describe('a basis is judged by the clock commands are dated by', () => {
  test('an api whose clock stands at 2018-06-30 refuses a read as of the day after, and answers one as of that day', async () => {
    class StoppedClock extends Clock {
      now() {
        return new Date('2018-06-30T04:00:00Z');
      }
    }
    const app = await createApp(loadConfig({ DATA_DIR: ':memory:', LOG_LEVEL: 'silent', DEMO_DATA: 'off' }), { clock: new StoppedClock() });
    try {
      const get = (path: string) => request(app.getHttpServer()).get(path).set('authorization', bearer(app, 'auditor'));
      for (const path of ['/alerts?asOf=2018-07-01', '/rule-sets/payments?asOf=2018-07-01', '/admin-units/990101000000/summary?asOf=2018-07-01',
        '/payments?knownAt=2018-06-30T05:00:00Z']) {
        const r = await get(path);
        expect({ path, status: r.status, code: r.body.error?.code }).toEqual({ path, status: 422, code: path.includes('knownAt') ? 'instant_in_future' : 'date_in_future' });
      }
      await get('/alerts?asOf=2018-06-30').expect(200);
      await get('/rule-sets/payments?asOf=2018-06-30').expect(200);
    } finally {
      await app.close();
    }
  });
});
