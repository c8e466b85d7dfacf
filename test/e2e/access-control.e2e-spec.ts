import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { AnyRole, Principal, Role } from '@yuantrace/domain';
import { ProjectionRunner } from '@yuantrace/projections';
import { READ_DB, SEAL_OPTIONS } from '@yuantrace/ledger';
import { sealPending, type SealOptions } from '@yuantrace/seal';
import { startTestApp } from '../support/app';
import { approveAndStart, registerCounty, registerHousehold, reportProgress, testIdNumber } from '../support/county';
import { client } from '../support/http';

/**
 * Every route × every role, in and out of scope. The routes are read from the running app, so
 * a route added without an entry here fails this test the day it is added.
 */
type RouteCase = {
  allowed: AnyRole[];
  /** The scope an allowed caller needs, when it is wider than the county (a rule set binds the whole country). */
  inScope?: string;
  /** Whether the route acts on something that lies in a region (then out-of-scope callers get 403). */
  scoped: boolean;
  /**
   * A read of one record by id: out of scope it answers exactly as an unknown id does (this 404
   * code), so a reader learns nothing of what lies outside their region.
   */
  hidden?: string;
  /** What a request without a token gets when that is not simply a success. */
  publicStatus?: number;
  path: string;
  body?: object;
};

const ROLES: Role[] = ['finance', 'approver', 'inspector', 'auditor', 'village'];
const IN_SCOPE: Record<Role, string> = { finance: '990101000000', approver: '990101000000', inspector: '990101000000', auditor: '990101000000', village: '990101001001' };
const OUT_OF_SCOPE = '990102000000';

const TABLE: Record<string, RouteCase> = {
  'GET /health': { allowed: ['public', ...ROLES], scoped: false, path: '/health' },
  'GET /rule-sets/payments': { allowed: [...ROLES], scoped: false, path: '/rule-sets/payments' },
  // The web console's page (built by npm test before the suites run).
  'GET /': { allowed: ['public', ...ROLES], scoped: false, path: '/' },
  // The demo principals' tokens exist only in the embedded demo (DEMO_DATA on, no DATABASE_URL): here, for no one.
  'GET /demo/principals': { allowed: ['public', ...ROLES], scoped: false, publicStatus: 404, path: '/demo/principals' },
  'PUT /admin-units/:code': { allowed: ['finance'], scoped: true, path: '/admin-units/990101001002', body: { name: '指南村', level: 'village', parentCode: '990101001000' } },
  'POST /fund-batches': { allowed: ['finance'], scoped: true, path: '/fund-batches', body: {
    batchId: 'RB-1', documentNo: '县财〔2016〕1号', title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY', recipientUnitCode: '990101000000',
    fiscalYear: 2016, amount: '100000.00', effectiveDate: '2016-03-01', purpose: '产业' } },
  'POST /fund-batches/:batchId/allocations': { allowed: ['finance'], scoped: true, path: '/fund-batches/RB-0/allocations', body: {
    allocationId: 'RA-1', target: { type: 'project', projectId: 'RP-0' }, amount: '1.00', effectiveDate: '2016-04-01', documentNo: 'D' } },
  'POST /fund-batches/:batchId/returns': { allowed: ['finance'], scoped: true, path: '/fund-batches/RB-0/returns', body: {
    returnId: 'RR-1', amount: '1.00', reason: '结余', effectiveDate: '2016-12-01' } },
  'POST /fund-batches/:batchId/closure': { allowed: ['finance'], scoped: true, path: '/fund-batches/RB-CLOSE/closure', body: { effectiveDate: '2016-12-31', remainder: 'return' } },
  'POST /fund-batches/:batchId/void': { allowed: ['finance'], scoped: true, path: '/fund-batches/RB-VOID/void', body: { reason: '录入错误', effectiveDate: '2016-03-02' } },
  'POST /projects': { allowed: ['finance'], scoped: true, path: '/projects', body: {
    projectId: 'RP-1', name: '路', type: 'ROAD', unitCode: '990101001001', implementer: '村委', budget: '1000.00', plannedStart: '2016-05-01', plannedEnd: '2016-06-01' } },
  'POST /payments': { allowed: ['finance'], scoped: true, path: '/payments', body: {
    paymentId: 'RPAY-1', projectId: 'RP-0', allocationId: 'RA-0', amount: '1.00', purpose: '工程款', installment: 'progress', effectiveDate: '2016-05-01',
    payee: { type: 'contractor', id: 'C', name: '公司', account: '62220000' } } },
  'POST /payments/:paymentId/approval': { allowed: ['approver'], scoped: true, path: '/payments/RPAY-0/approval', body: { approved: true, effectiveDate: '2016-05-01' } },
  'POST /payments/:paymentId/execution': { allowed: ['finance'], scoped: true, path: '/payments/RPAY-0/execution', body: {
    channel: 'bank_transfer', bankReference: 'B', effectiveDate: '2016-05-02' } },
  'POST /payments/:paymentId/failure': { allowed: ['finance'], scoped: true, path: '/payments/RPAY-F/failure', body: { reason: '退票', effectiveDate: '2016-05-02' } },
  'POST /payments/:paymentId/reversal': { allowed: ['finance'], scoped: true, path: '/payments/RPAY-0/reversal', body: {
    reason: '追回', effectiveDate: '2016-06-01', documentNo: 'R' } },
  'GET /fund-batches/:batchId': { allowed: ['finance', 'approver', 'inspector', 'auditor'], scoped: true, hidden: 'fund_batch_not_found', path: '/fund-batches/RB-0' },
  'GET /fund-batches/:batchId/flow': { allowed: ['finance', 'approver', 'inspector', 'auditor'], scoped: true, hidden: 'fund_batch_not_found', path: '/fund-batches/RB-0/flow' },
  'GET /projects/:projectId': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, hidden: 'project_not_found', path: '/projects/RP-0' },
  'GET /payments/:paymentId': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, hidden: 'payment_not_found', path: '/payments/RPAY-0' },
  'GET /payments/:paymentId/trace': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, hidden: 'payment_not_found', path: '/payments/RPAY-0/trace' },
  'GET /admin-units/:code/summary': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, path: '/admin-units/990101001001/summary' },
  'GET /disclosure/units/:code': { allowed: ['public', ...ROLES], scoped: false, path: '/disclosure/units/990101001001' },
  'GET /events': { allowed: ['inspector', 'auditor'], scoped: true, path: '/events?stream=project-RP-0' },
  // The path names an event of project RP-0; its id is filled in once the project is recorded.
  'GET /events/:eventId/proof': { allowed: ['inspector', 'auditor'], scoped: true, hidden: 'event_not_found', path: '/events/EVENT-ID/proof' },
  'GET /checkpoints/latest': { allowed: ['public', ...ROLES], scoped: false, path: '/checkpoints/latest' },
  'GET /checkpoints/public-key': { allowed: ['public', ...ROLES], scoped: false, path: '/checkpoints/public-key' },
  'GET /checkpoints': { allowed: ['public', ...ROLES], scoped: false, path: '/checkpoints' },
  'POST /projects/:projectId/milestones': { allowed: ['finance'], scoped: true, path: '/projects/RP-0/milestones', body: {
    milestoneId: 'RM-1', kind: 'progress', date: '2016-06-01', percentComplete: 10 } },
  'POST /households': { allowed: ['finance'], scoped: true, path: '/households', body: {
    householdId: 'RH-1', unitCode: '990101001001', head: { name: '李四', idNumber: testIdNumber('1965-05-05', 501) }, members: [], category: 'wubao',
    causes: ['LACK_OF_LABOUR'], registeredOn: '2015-10-01' } },
  'POST /households/:householdId/status': { allowed: ['finance'], scoped: true, path: '/households/RH-0/status', body: {
    status: 'exited', date: '2017-12-01', reason: '达标' } },
  'GET /households/:householdId': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, hidden: 'household_not_found', path: '/households/RH-0' },
  'GET /payments': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, path: '/payments?unitCode=990101001001&queue=mine' },
  'GET /projects': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, path: '/projects?unitCode=990101001001' },
  'GET /fund-batches': { allowed: ['finance', 'approver', 'inspector', 'auditor'], scoped: true, path: '/fund-batches?unitCode=990101001001&unspentOnly=true' },
  'GET /households': { allowed: ['finance', 'approver', 'inspector', 'auditor', 'village'], scoped: true, path: '/households?unitCode=990101001001' },
  // Lookups read only within the caller's region: out of it they find nothing rather than refuse.
  'POST /lookups/identity': { allowed: ['finance', 'inspector', 'auditor'], scoped: false, path: '/lookups/identity', body: { idNumber: testIdNumber('1965-05-05', 501) } },
  'POST /lookups/account': { allowed: ['finance', 'inspector', 'auditor'], scoped: false, path: '/lookups/account', body: { account: '62220000' } },
  'GET /actors/:principalId/activity': { allowed: ['inspector', 'auditor'], scoped: false, path: '/actors/cty-fin/activity' },
  'POST /cases': { allowed: ['inspector'], scoped: true, path: '/cases', body: {
    caseId: 'RC-1', title: '专项检查', source: 'inspection', subjectUnitCode: '990101001001', alertIds: [], crossInspection: false, dueDate: '2018-06-30', effectiveDate: '2018-03-01' } },
  'POST /cases/:caseId/findings': { allowed: ['inspector'], scoped: true, path: '/cases/RC-0/findings', body: {
    findingId: 'RF-1', findingType: 'NEGLIGENCE', description: '台账不全', effectiveDate: '2018-03-10' } },
  'POST /cases/:caseId/rectifications': { allowed: ['inspector'], scoped: true, path: '/cases/RC-0/rectifications', body: {
    rectificationId: 'RR-1', kind: 'other', description: '补齐台账', effectiveDate: '2018-03-20' } },
  'POST /cases/:caseId/closure': { allowed: ['inspector'], scoped: true, path: '/cases/RC-CLOSE/closure', body: { effectiveDate: '2018-04-01' } },
  'POST /cases/:caseId/closure/confirmation': { allowed: ['inspector'], scoped: true, path: '/cases/RC-CONFIRM/closure/confirmation', body: {
    confirmed: true, comment: '同意销号', effectiveDate: '2018-04-02' } },
  'GET /cases/:caseId': { allowed: ['inspector', 'auditor'], scoped: true, hidden: 'case_not_found', path: '/cases/RC-0' },
  'GET /cases': { allowed: ['inspector', 'auditor'], scoped: false, path: '/cases?overdue=true' },
  // The inspector's desk: alerts read within the reader's region; the rule set binds everyone, so only a national inspector changes it.
  'GET /alerts': { allowed: ['finance', 'inspector', 'auditor'], scoped: false, path: '/alerts?severity=red' },
  'GET /alerts/:alertId': { allowed: ['finance', 'inspector', 'auditor'], scoped: false, path: '/alerts/R-35.cash_to_individual.payment.RPAY-0' },
  'GET /rule-sets/red-flags': { allowed: ['finance', 'inspector', 'auditor'], scoped: false, path: '/rule-sets/red-flags' },
  'POST /rule-sets/red-flags/versions': { allowed: ['inspector'], inScope: '000000000000', scoped: true, path: '/rule-sets/red-flags/versions',
    body: { version: 2, effectiveFrom: '2018-01-01', rules: { 'R-35': { params: { cashLimitFen: 60000 } } } } },
  'POST /roster': { allowed: ['finance', 'inspector'], scoped: true, path: '/roster', body: { personId: 'RR-1', name: '村主任', role: 'village_cadre',
    unitCode: '990101001001', idNumber: testIdNumber('1975-05-05', 601), from: '2015-01-01', relatives: [] } },
  'POST /roster/:personId/leaving': { allowed: ['finance', 'inspector'], scoped: true, path: '/roster/RR-0/leaving', body: { date: '2018-06-30', reason: '换届' } },
  'GET /roster/:personId': { allowed: ['finance', 'inspector', 'auditor'], scoped: true, hidden: 'roster_person_not_found', path: '/roster/RR-0' },
};

function routesOf(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance();
  const stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> = (express.router ?? express._router).stack;
  return stack
    .filter((l) => l.route && !l.route.path.startsWith('/docs') && !l.route.path.includes('{*path}'))
    .flatMap((l) => Object.keys(l.route!.methods).filter((m) => m !== '_all' && m !== 'head').map((m) => `${m.toUpperCase()} ${l.route!.path}`))
    .sort();
}

describe('who may do and see what: every route × every role', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const as = (role: Role, scope: string): Principal => ({ id: `${role}-${scope}`, role, scope });

  beforeAll(async () => {
    t = await startTestApp('embedded');
    api = client(t.app);
    await registerCounty(t.app);
    // What the routes act on: a batch, a project funded by it, payments in each state needed.
    const fin = api.as('countyFinance');
    await fin.post('/fund-batches', { ...TABLE['POST /fund-batches'].body, batchId: 'RB-0' }).expect(201);
    await fin.post('/fund-batches', { ...TABLE['POST /fund-batches'].body, batchId: 'RB-CLOSE' }).expect(201);
    await fin.post('/fund-batches', { ...TABLE['POST /fund-batches'].body, batchId: 'RB-VOID' }).expect(201);
    await fin.post('/projects', { ...TABLE['POST /projects'].body, projectId: 'RP-0' }).expect(201);
    await approveAndStart(t.app, 'RP-0');
    // 10% of the 1,000.00 budget reported: room for the 1.00 progress payments below, and the table's 10% milestone is no step back.
    await reportProgress(t.app, 'RP-0', 10, '2016-04-20');
    await registerHousehold(t.app, 'RH-0', 500).expect(201);
    await fin.post('/fund-batches/RB-0/allocations', { ...TABLE['POST /fund-batches/:batchId/allocations'].body, allocationId: 'RA-0', amount: '500.00' }).expect(201);
    for (const id of ['RPAY-0', 'RPAY-F']) {
      await fin.post('/payments', { ...TABLE['POST /payments'].body, paymentId: id }).expect(201);
      await api.as('countyApprover').post(`/payments/${id}/approval`, TABLE['POST /payments/:paymentId/approval'].body!).expect(200);
    }
    // Cases: one with a finding, one ready for a proposal, one proposed by another inspector for the checker to confirm.
    for (const id of ['RC-0', 'RC-CLOSE', 'RC-CONFIRM']) {
      await api.as('inspector').post('/cases', { ...TABLE['POST /cases'].body, caseId: id }).expect(201);
      await api.as('inspector').post(`/cases/${id}/findings`, { ...TABLE['POST /cases/:caseId/findings'].body, findingId: 'RF-0' }).expect(201);
    }
    await api.as('inspector').post('/cases/RC-CONFIRM/closure', { effectiveDate: '2018-04-01' }).expect(200);
    await fin.post('/roster', { ...TABLE['POST /roster'].body, personId: 'RR-0', idNumber: testIdNumber('1975-05-05', 600) }).expect(201);
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    // A signed checkpoint covering everything so far, and the id of the project's first event for its proof.
    await sealPending(t.app.get(READ_DB), t.app.get<SealOptions>(SEAL_OPTIONS), true);
    const projectEvent = (await api.as('auditor').get('/events?stream=project-RP-0').expect(200)).body.events[0].eventId;
    TABLE['GET /events/:eventId/proof'].path = `/events/${projectEvent}/proof`;
  });
  afterAll(async () => t?.close());

  test('the table covers exactly the routes the app serves', () => {
    expect(routesOf(t.app)).toEqual(Object.keys(TABLE).sort());
  });

  const send = (who: Principal | 'public', method: string, c: RouteCase) => {
    const a = api.as(who);
    return method === 'GET' ? a.get(c.path) : method === 'PUT' ? a.put(c.path, c.body) : a.post(c.path, c.body);
  };

  test.each(Object.entries(TABLE))('%s', async (route, c) => {
    const method = route.split(' ')[0];
    const pub = await send('public', method, c);
    if (c.publicStatus) expect({ route, status: pub.status }).toEqual({ route, status: c.publicStatus });
    else if (c.allowed.includes('public')) expect(pub.status).toBeLessThan(400);
    else expect({ status: pub.status, code: pub.body.error?.code }).toEqual({ status: 401, code: 'unauthenticated' });

    for (const role of ROLES) {
      const res = await send(as(role, c.inScope ?? IN_SCOPE[role]), method, c);
      if (c.allowed.includes(role)) {
        expect({ role, status: res.status, body: res.body }).toEqual({ role, status: expect.any(Number), body: expect.anything() });
        expect([401, 403, 500]).not.toContain(res.status);
        if (c.scoped) {
          const out = await send(as(role, OUT_OF_SCOPE), method, c);
          if (c.hidden) {
            // Indistinguishable from an id that was never recorded, with or without a time cut.
            const unknown = await send(as(role, OUT_OF_SCOPE), method, { ...c, path: c.path.replace(/\/(R[A-Z]*-0)(\/|$)/, '/$1-NONE$2') });
            const oldDate = await send(as(role, OUT_OF_SCOPE), method, { ...c, path: `${c.path}?asOf=2000-01-01` });
            expect({ role, out: out.status, code: out.body.error?.code }).toEqual({ role, out: 404, code: c.hidden });
            expect(out.body.error.message.replace(/R[A-Z]*-0(-NONE)?/, 'ID')).toBe(unknown.body.error.message.replace(/R[A-Z]*-0(-NONE)?/, 'ID'));
            expect({ status: oldDate.status, code: oldDate.body.error?.code }).toEqual({ status: 404, code: c.hidden });
          } else {
            expect({ role, out: out.status, code: out.body.error?.code }).toEqual({ role, out: 403, code: 'out_of_scope' });
            // The message names no unit the caller did not name themselves (their own id may carry their scope).
            for (const unit of out.body.error.message.match(/990101[0-9]{6}/g) ?? []) expect({ route, unit, named: c.path.includes(unit) }).toEqual({ route, unit, named: true });
          }
        }
      } else {
        expect({ role, status: res.status, code: res.body.error?.code }).toEqual({ role, status: 403, code: 'role_not_allowed' });
      }
    }
  });

  test('a token that expires after it was first accepted is refused from then on', async () => {
    const { TokenService } = await import('@yuantrace/ledger');
    // Long enough to be accepted once on a loaded machine (a JWT's expiry is in whole seconds, so a
    // one-second token may already be dead by its first use); then wait past the expiry it carries.
    const short = t.app.get(TokenService).issue(as('inspector', '990101000000'), 5);
    await api.as('public').get('/projects/RP-0').set('authorization', `Bearer ${short}`).expect(200);
    const exp = (JSON.parse(Buffer.from(short.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 200));
    const r = await api.as('public').get('/projects/RP-0').set('authorization', `Bearer ${short}`);
    expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 401, code: 'token_expired' });
  });

  test('an expired or forged token is a 401 and writes nothing', async () => {
    const { TokenService } = await import('@yuantrace/ledger');
    const expired = t.app.get(TokenService).issue(as('finance', '990101000000'), -10);
    const body = TABLE['POST /projects'].body;
    const r1 = await api.as('public').post('/projects', { ...body, projectId: 'RP-EXP' }).set('authorization', `Bearer ${expired}`);
    expect({ status: r1.status, code: r1.body.error.code }).toEqual({ status: 401, code: 'token_expired' });
    const good = t.app.get(TokenService).issue(as('finance', '990101000000'));
    const forged = good.slice(0, -3) + (good.endsWith('abc') ? 'xyz' : 'abc');
    const r2 = await api.as('public').post('/projects', { ...body, projectId: 'RP-FORGED' }).set('authorization', `Bearer ${forged}`);
    expect({ status: r2.status, code: r2.body.error.code }).toEqual({ status: 401, code: 'invalid_token' });
    const r3 = await api.as('public').post('/projects', { ...body, projectId: 'RP-BASIC' }).set('authorization', 'Basic abc');
    expect(r3.status).toBe(401);
    const { EventStore } = await import('@yuantrace/event-store');
    for (const id of ['RP-EXP', 'RP-FORGED', 'RP-BASIC']) expect(await t.app.get(EventStore).readStream(`project-${id}`)).toEqual([]);
  });
});
