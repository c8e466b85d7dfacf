import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Ajv from 'ajv';
import request from 'supertest';
import { ProjectionRunner } from '@yuantrace/projections';
import { READ_DB, SEAL_OPTIONS } from '@yuantrace/ledger';
import { sealPending, type SealOptions } from '@yuantrace/seal';
import { startTestApp } from '../support/app';
import { registerCounty, testIdNumber } from '../support/county';
import { client } from '../support/http';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>>; components?: object };

/**
 * The OpenAPI document describes every route's response body, and the bodies the routes really
 * send match it: each route is called through a real flow and its answer validated against the
 * documented schema (objects that list their fields refuse undocumented ones).
 */
describe('OpenAPI response schemas, checked against real answers', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  let doc: Doc;
  /** method path-template status → body, from the flow below. */
  const seen: Array<{ method: string; template: string; status: number; body: unknown }> = [];

  const call = async (who: Parameters<ReturnType<typeof client>['as']>[0], method: 'get' | 'post' | 'put', template: string, path: string, body?: object) => {
    const r = method === 'get' ? await api.as(who).get(path) : await api.as(who)[method](path, body ?? {});
    expect({ path, status: r.status < 300 }).toEqual({ path, status: true });
    seen.push({ method, template, status: r.status, body: r.body });
    return r.body;
  };

  beforeAll(async () => {
    t = await startTestApp('embedded');
    api = client(t.app);
    doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200)).body as Doc;
    await registerCounty(t.app);
    await call('countyFinance', 'put', '/admin-units/{code}', '/admin-units/990101001002', { name: '指南村', level: 'village', parentCode: '990101001000' });
    const batch = { documentNo: '县财〔2016〕1号', title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY', recipientUnitCode: '990101000000', fiscalYear: 2016,
      effectiveDate: '2016-03-01', purpose: '产业' };
    await call('countyFinance', 'post', '/fund-batches', '/fund-batches', { ...batch, batchId: 'OA-B', amount: '100000.00' });
    await call('countyFinance', 'post', '/fund-batches', '/fund-batches', { ...batch, batchId: 'OA-V', amount: '10.00' });
    await call('countyFinance', 'post', '/fund-batches/{batchId}/void', '/fund-batches/OA-V/void', { reason: '误录', effectiveDate: '2016-03-02' });
    await call('countyFinance', 'post', '/projects', '/projects', { projectId: 'OA-P', name: '村道', type: 'ROAD', unitCode: '990101001001', implementer: '村委',
      budget: '50000.00', plannedStart: '2016-04-01', plannedEnd: '2016-10-31' });
    for (const [kind, date, extra] of [['approved', '2016-04-05', { documentNo: '县扶贫办〔2016〕3号' }], ['started', '2016-04-10', {}],
      ['progress', '2016-05-01', { percentComplete: 100 }]] as const) {
      await call('countyFinance', 'post', '/projects/{projectId}/milestones', '/projects/OA-P/milestones', { milestoneId: `OA-${kind}`, kind, date, ...extra });
    }
    await call('countyFinance', 'post', '/fund-batches/{batchId}/allocations', '/fund-batches/OA-B/allocations', { allocationId: 'OA-A',
      target: { type: 'project', projectId: 'OA-P' }, amount: '50000.00', effectiveDate: '2016-04-20', documentNo: 'd' });
    await call('countyFinance', 'post', '/households', '/households', { householdId: 'OA-HH', unitCode: '990101001001',
      head: { name: '户主', idNumber: testIdNumber('1970-01-01', 900) }, members: [], category: 'general', causes: ['ILLNESS'], registeredOn: '2015-10-01' });
    const pay = (id: string) => call('countyFinance', 'post', '/payments', '/payments', { paymentId: id, projectId: 'OA-P', allocationId: 'OA-A', amount: '1000.00',
      purpose: '工程款', installment: 'progress', effectiveDate: '2016-06-01', payee: { type: 'household', id: 'OA-HH', name: '户主', account: '6222000011115555' } });
    for (const id of ['OA-PAY', 'OA-PAY-F']) {
      await pay(id);
      await call('countyApprover', 'post', '/payments/{paymentId}/approval', `/payments/${id}/approval`, { approved: true, effectiveDate: '2016-06-02' });
    }
    await call('countyFinance', 'post', '/payments/{paymentId}/execution', '/payments/OA-PAY/execution', { channel: 'one_card', bankReference: 'OA-BR', effectiveDate: '2016-06-03' });
    await call('countyFinance', 'post', '/payments/{paymentId}/failure', '/payments/OA-PAY-F/failure', { reason: '退票', effectiveDate: '2016-06-03' });
    await call('countyFinance', 'post', '/payments/{paymentId}/reversal', '/payments/OA-PAY/reversal', { reason: '追回', effectiveDate: '2016-06-04', documentNo: 'x' });
    await call('countyFinance', 'post', '/fund-batches/{batchId}/returns', '/fund-batches/OA-B/returns', { returnId: 'OA-R', amount: '100.00', reason: '结余',
      effectiveDate: '2016-12-01', allocationId: 'OA-A' });
    await call('countyFinance', 'post', '/households/{householdId}/status', '/households/OA-HH/status', { status: 'exited', date: '2016-12-20', reason: '达标' });
    await call('countyFinance', 'post', '/fund-batches/{batchId}/closure', '/fund-batches/OA-B/closure', { effectiveDate: '2016-12-31', remainder: 'return' });
    // A case from an inspection, through findings, a rectification and a closure proposed by one inspector and confirmed by another.
    await call('inspector', 'post', '/cases', '/cases', { caseId: 'OA-C', title: '专项检查', source: 'inspection', subjectUnitCode: '990101000000', alertIds: [],
      crossInspection: false, dueDate: '2017-06-30', effectiveDate: '2017-03-01' });
    await call('inspector', 'post', '/cases/{caseId}/findings', '/cases/OA-C/findings', { findingId: 'F', findingType: 'FRAUDULENT_CLAIM', description: '冒领',
      amount: '1000.00', responsiblePersons: ['某'], effectiveDate: '2017-03-02' });
    await call('inspector', 'post', '/cases/{caseId}/rectifications', '/cases/OA-C/rectifications', { rectificationId: 'R', kind: 'funds_recovered', findingId: 'F',
      amount: '1000.00', paymentIds: ['OA-PAY'], effectiveDate: '2017-03-03' });
    await call('inspector', 'post', '/cases/{caseId}/rectifications', '/cases/OA-C/rectifications', { rectificationId: 'R2', kind: 'accountability', findingId: 'F',
      personName: '某', measure: 'WARNING', effectiveDate: '2017-03-03' });
    await call('inspector', 'post', '/cases/{caseId}/closure', '/cases/OA-C/closure', { comment: '整改到位', effectiveDate: '2017-03-04' });
    await call('inspector2', 'post', '/cases/{caseId}/closure/confirmation', '/cases/OA-C/closure/confirmation', { confirmed: true, effectiveDate: '2017-03-05' });
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    await call('auditor', 'get', '/cases/{caseId}', '/cases/OA-C?asOf=2017-03-04');
    await call('auditor', 'get', '/cases', '/cases?limit=1');
    for (const [template, path] of [['/fund-batches/{batchId}', '/fund-batches/OA-B'], ['/fund-batches/{batchId}', '/fund-batches/OA-V'],
      ['/fund-batches/{batchId}/flow', '/fund-batches/OA-B/flow'], ['/projects/{projectId}', '/projects/OA-P'], ['/payments/{paymentId}', '/payments/OA-PAY'],
      ['/payments/{paymentId}/trace', '/payments/OA-PAY/trace'], ['/admin-units/{code}/summary', '/admin-units/990101000000/summary'],
      ['/households/{householdId}', '/households/OA-HH'], ['/events', '/events?limit=5'], ['/events', '/events?stream=payment-OA-PAY']]) {
      await call('auditor', 'get', template, path);
    }
    // Sign a checkpoint now rather than wait SEAL_EVERY_SECONDS: the sealed-log routes and the notice then have one to show.
    await sealPending(t.app.get(READ_DB), t.app.get<SealOptions>(SEAL_OPTIONS), true);
    await call('public', 'get', '/checkpoints/latest', '/checkpoints/latest');
    await call('public', 'get', '/checkpoints/public-key', '/checkpoints/public-key');
    await call('public', 'get', '/checkpoints', '/checkpoints?limit=2');
    const sealedEvent = (await call('auditor', 'get', '/events', '/events?stream=payment-OA-PAY')).events[0].eventId;
    await call('auditor', 'get', '/events/{eventId}/proof', `/events/${sealedEvent}/proof`);
    await call('public', 'get', '/disclosure/units/{code}', '/disclosure/units/990101001001');
    await call('public', 'get', '/health', '/health');
    // Lists with every field filled (a payee account, an unspent batch, a household head), lookups and an official's activity.
    for (const [template, path] of [['/payments', '/payments?sort=-amount'], ['/payments', '/payments?queue=mine&asOf=2016-06-01'], ['/projects', '/projects?stage=progress'],
      ['/fund-batches', '/fund-batches?unspentOnly=false'], ['/households', '/households'], ['/actors/{principalId}/activity', '/actors/cty-fin/activity?limit=5']]) {
      await call('auditor', 'get', template, path);
    }
    await call('inspector', 'post', '/lookups/identity', '/lookups/identity', { idNumber: testIdNumber('1970-01-01', 900) });
    await call('inspector', 'post', '/lookups/account', '/lookups/account', { account: '6222000011115555' });
    // The inspector's desk: the roster, a rule-set version, and the alerts (the reversed payment OA-PAY went to a household with one_card: a cash one raises R-35).
    await call('countyFinance', 'post', '/roster', '/roster', { personId: 'OA-CAD', name: '村主任', role: 'village_cadre', unitCode: '990101001001',
      idNumber: testIdNumber('1975-05-05', 901), account: '6217990000000001', from: '2015-01-01', relatives: [{ name: '户主', idNumber: testIdNumber('1970-01-01', 900), relation: 'sibling' }] });
    await call('countyFinance', 'post', '/roster/{personId}/leaving', '/roster/OA-CAD/leaving', { date: '2017-06-30', reason: '换届' });
    await call('auditor', 'get', '/roster/{personId}', '/roster/OA-CAD');
    await call({ id: 'nat-insp', role: 'inspector', scope: '000000000000' }, 'post', '/rule-sets/red-flags/versions', '/rule-sets/red-flags/versions',
      { version: 2, effectiveFrom: '2017-01-01', documentNo: '纪发〔2017〕1号', rules: { 'R-07': { severity: 'red' } } });
    await call('auditor', 'get', '/rule-sets/red-flags', '/rule-sets/red-flags?asOf=2016-12-31');
    await call('village', 'get', '/rule-sets/payments', '/rule-sets/payments?asOf=2016-12-31');
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    const alerts = await call('inspector', 'get', '/alerts', '/alerts?limit=5');
    expect(alerts.alerts.length).toBeGreaterThan(0);
    await call('inspector', 'get', '/alerts/{alertId}', `/alerts/${alerts.alerts[0].alertId}`);
  });
  afterAll(async () => t?.close());

  test('every route documents its success body and the error body, with the figures described from the glossary', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(routes.length).toBeGreaterThanOrEqual(25);
    for (const { path, method, op } of routes) {
      const success = Object.entries(op.responses).filter(([s]) => s.startsWith('2'));
      expect({ route: `${method} ${path}`, documented: success.length === 1 && !!success[0][1].content?.['application/json']?.schema })
        .toEqual({ route: `${method} ${path}`, documented: true });
      if (path !== '/health') expect({ route: `${method} ${path}`, errors: ['400', '403', '404', '409', '422'].every((s) => op.responses[s]?.content) })
        .toEqual({ route: `${method} ${path}`, errors: true });
    }
    const balance = JSON.stringify(doc.paths['/fund-batches/{batchId}'].get.responses['200']);
    expect(balance).toContain('结余 — balance (unspent)');
  });

  test('every answer of the flow matches its documented schema, and every route was answered', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const problems: string[] = [];
    for (const s of seen) {
      const schema = doc.paths[s.template]?.[s.method]?.responses[String(s.status)]?.content?.['application/json']?.schema;
      if (!schema) {
        problems.push(`${s.method} ${s.template} ${s.status}: no schema`);
        continue;
      }
      const validate = ajv.compile(schema);
      if (!validate(s.body)) problems.push(`${s.method} ${s.template}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(problems).toEqual([]);
    const answered = new Set(seen.map((s) => `${s.method} ${s.template}`));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.filter((r) => !answered.has(r))).toEqual([]);
  });
});
