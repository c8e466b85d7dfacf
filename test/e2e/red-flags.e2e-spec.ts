import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { startTestApp, type Backend } from '../support/app';
import { registerCounty, registerHousehold, testIdNumber } from '../support/county';
import { client } from '../support/http';
import { csvLines, xlsxOf } from '../support/exports';

/**
 * The inspector's desk through the api: the roster of cadres and their relatives, payments that
 * break the rules the ledger cannot refuse at the door (cash over the limit, a cadre's relative
 * paid, a document whose lines do not add up), the alerts they raise, and the rule set by which
 * they are judged, changed by a command and replayed to a date.
 */
describe.each<Backend>(['postgres', 'embedded'])('red flags on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const fin = () => api.as('countyFinance');
  const nationalInspector = { id: 'nat-insp', role: 'inspector' as const, scope: '000000000000' };
  const caughtUp = () => t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const alertIds = async (query = '', who: Parameters<typeof api.as>[0] = 'inspector') =>
    ((await api.as(who).get(`/alerts${query}`).expect(200)).body.alerts as Array<{ alertId: string }>).map((a) => a.alertId).sort();

  beforeAll(async () => {
    t = await startTestApp(backend);
    api = client(t.app);
    await registerCounty(t.app);
    // A document whose two lines add up to 1,900,000 against a total of 2,000,000.
    await fin().post('/fund-batches', { batchId: 'RF-B', documentNo: '县财〔2018〕7号', title: '产业扶贫资金', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2018, amount: '2000000.00', effectiveDate: '2018-01-05', purpose: '产业扶持到户',
      lineItems: [{ label: '双龙村', amount: '1200000.00' }, { label: '指南村', amount: '700000.00' }] }).expect(201);
    await fin().post('/projects', { projectId: 'RF-IND', name: '2018年产业扶持到户', type: 'INDUSTRY', unitCode: '990101001001', implementer: '县扶贫办',
      budget: '2000000.00', plannedStart: '2018-01-01', plannedEnd: '2018-12-31' }).expect(201);
    await fin().post('/projects/RF-IND/milestones', { milestoneId: 'RF-IND-approved', kind: 'approved', date: '2018-01-10', documentNo: '县扶贫办〔2018〕2号' }).expect(201);
    await fin().post('/projects/RF-IND/milestones', { milestoneId: 'RF-IND-pub', kind: 'publicized', date: '2018-01-11', publicUntil: '2018-01-18' }).expect(201);
    await fin().post('/projects/RF-IND/milestones', { milestoneId: 'RF-IND-start', kind: 'started', date: '2018-01-12' }).expect(201);
    await fin().post('/projects/RF-IND/milestones', { milestoneId: 'RF-IND-done', kind: 'completed', date: '2018-01-19' }).expect(201);
    await fin().post('/projects/RF-IND/milestones', { milestoneId: 'RF-IND-acc', kind: 'accepted', date: '2018-01-20', result: 'passed' }).expect(201);
    await fin().post('/fund-batches/RF-B/allocations', { allocationId: 'RF-AL', target: { type: 'project', projectId: 'RF-IND' }, amount: '2000000.00',
      effectiveDate: '2018-01-21', documentNo: '县财发〔2018〕8号' }).expect(201);
    await registerHousehold(t.app, 'RF-H1', 501).expect(201);
    await registerHousehold(t.app, 'RF-H2', 502).expect(201);
  });
  afterAll(async () => t?.close());

  const pay = async (id: string, household: string, amount: string, date: string, channel: string) => {
    await fin().post('/payments', { paymentId: id, projectId: 'RF-IND', allocationId: 'RF-AL', amount, purpose: '产业扶持', installment: 'single', effectiveDate: date,
      payee: { type: 'household', id: household, name: '户主', account: `62170000${id.length}${household.slice(-1)}${amount.slice(0, 3)}` } }).expect(201);
    await api.as('countyApprover').post(`/payments/${id}/approval`, { approved: true, effectiveDate: date }).expect(200);
    await fin().post(`/payments/${id}/execution`, { channel, bankReference: `BR-${id}`, effectiveDate: date }).expect(200);
  };

  test('cash over 500 元 to a household, a cadre’s relative paid, lines that do not add up: each raises its alert, nothing else does', async () => {
    // A village cadre who declares the head of RF-H2 as a relative.
    const cadre = await fin().post('/roster', { personId: 'CAD-1', name: '村主任', role: 'village_cadre', unitCode: '990101001001',
      idNumber: testIdNumber('1975-05-05', 901), account: '6217990000000001', from: '2015-01-01',
      relatives: [{ name: '户主502', idNumber: testIdNumber('1970-01-01', 502), relation: 'sibling' }] }).expect(201);
    expect(cadre.body).toMatchObject({ personId: 'CAD-1', roleLabel: '村干部', status: 'serving', relatives: [{ relation: 'sibling' }] });
    // An auditor may see personal data: the number in full.
    const masked = await api.as('auditor').get('/roster/CAD-1').expect(200);
    expect(masked.body.idNumber).toBe(testIdNumber('1975-05-05', 901));
    // Replayed: not yet serving before 2015; serving then; unknown to the books before it was recorded.
    expect((await api.as('auditor').get('/roster/CAD-1?asOf=2014-12-31').expect(404)).body.error.code).toBe('not_found_as_of');
    expect((await api.as('auditor').get('/roster/CAD-1?asOf=2016-01-01').expect(200)).body).toMatchObject({ status: 'serving', leftOn: null,
      basis: { asOf: '2016-01-01' } });
    await api.as('auditor').get('/roster/CAD-1?knownAt=2020-01-01T00:00:00Z').expect(404);
    await pay('RF-CASH', 'RF-H1', '800.00', '2018-03-01', 'cash');
    await pay('RF-CARD', 'RF-H1', '800.00', '2018-03-02', 'one_card');
    await pay('RF-KIN', 'RF-H2', '1000.00', '2018-03-03', 'one_card');
    await caughtUp();
    expect(await alertIds()).toEqual(['R-07.payee_related_to_cadre.payment.RF-KIN', 'R-20.declared_total_differs_from_lines.batch.RF-B',
      'R-35.cash_to_individual.payment.RF-CASH']);
    const page = await api.as('inspector').get('/alerts?severity=yellow').expect(200);
    expect(page.body).toMatchObject({ total: 3, bySeverity: { red: 0, yellow: 3, blue: 0 } });
    const cash = await api.as('inspector').get('/alerts/R-35.cash_to_individual.payment.RF-CASH').expect(200);
    const [executed] = (await t.app.get(EventStore).readStream('payment-RF-CASH')).filter((e) => e.type === 'PaymentExecuted');
    expect(cash.body).toMatchObject({ ruleId: 'R-35', ruleName: '现金发放个人超限', ruleVersion: 1, severity: 'yellow', severityLabel: '黄',
      subject: { kind: 'payment', id: 'RF-CASH' }, amount: '800.00', figures: { limit: '500.00' }, evidence: [executed.id], raisedOn: '2018-03-01',
      raisedAt: executed.recordedAt.toISOString() });
    // An out-of-region reader learns nothing: the alert does not exist for them, and their list is empty.
    const otherInspector = { id: 'other-insp', role: 'inspector' as const, scope: '990102000000' };
    await api.as(otherInspector).get('/alerts/R-35.cash_to_individual.payment.RF-CASH').expect(404);
    expect(await alertIds('', otherInspector)).toEqual([]);
    // Replayed to before the cash payment, it was not there.
    expect(await alertIds('?asOf=2018-02-28')).toEqual(['R-20.declared_total_differs_from_lines.batch.RF-B']);
  });

  test('the rule set: a new version changes the cash limit from its date; earlier days keep the old one; knownAt replays what was known', async () => {
    const before = new Date().toISOString();
    // Only a reader of the whole country may change rules that bind every region.
    await api.as('inspector').post('/rule-sets/red-flags/versions', { version: 2, effectiveFrom: '2018-01-01', rules: {} }).expect(403);
    const bad = await api.as(nationalInspector).post('/rule-sets/red-flags/versions', { version: 2, effectiveFrom: '2018-01-01',
      rules: { 'R-35': { params: { cashLimitFen: '1000' } } } }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_rule_parameter', field: 'rules.R-35.params.cashLimitFen' });
    expect((await api.as(nationalInspector).post('/rule-sets/red-flags/versions', { version: 2, effectiveFrom: '2018-01-01',
      rules: { 'R-99': { enabled: false } } }).expect(400)).body.error).toMatchObject({ code: 'unknown_rule', field: 'rules.R-99' });
    expect((await api.as(nationalInspector).post('/rule-sets/red-flags/versions', { version: 3, effectiveFrom: '2018-01-01', rules: {} }).expect(409)).body.error.code)
      .toBe('version_out_of_order');
    const adopted = await api.as(nationalInspector).post('/rule-sets/red-flags/versions', { version: 2, effectiveFrom: '2018-03-01', documentNo: '纪发〔2018〕3号',
      rules: { 'R-35': { params: { cashLimitFen: 100000 } }, 'R-07': { severity: 'red' } } }).expect(201);
    expect(adopted.body.rules['R-35']).toMatchObject({ enabled: true, params: { cashLimitFen: 100000, cashRuleFrom: '2018-01-01' } });
    // The same command again answers as the first time; different content under the same number is a conflict.
    await api.as(nationalInspector).post('/rule-sets/red-flags/versions', { version: 2, effectiveFrom: '2018-03-01', documentNo: '纪发〔2018〕3号',
      rules: { 'R-35': { params: { cashLimitFen: 100000 } }, 'R-07': { severity: 'red' } } }).expect(201);
    await api.as(nationalInspector).post('/rule-sets/red-flags/versions', { version: 2, effectiveFrom: '2018-03-01', rules: {} }).expect(409);
    await caughtUp();
    // The limit rose to 1,000 元 from 1 March: the 800 元 in cash paid that day is re-judged and withdrawn; as known before the new version, it stood.
    await api.as('inspector').get('/alerts/R-35.cash_to_individual.payment.RF-CASH').expect(404);
    const stood = await api.as('inspector').get(`/alerts/R-35.cash_to_individual.payment.RF-CASH?knownAt=${before}`).expect(200);
    expect(stood.body).toMatchObject({ ruleVersion: 1, figures: { limit: '500.00' } });
    const kin = await api.as('inspector').get('/alerts/R-07.payee_related_to_cadre.payment.RF-KIN').expect(200);
    expect(kin.body).toMatchObject({ ruleVersion: 2, severity: 'red', severityLabel: '红' });
    // A later cash payment of 800 元 is within the new limit: no alert.
    await pay('RF-CASH-2', 'RF-H1', '800.00', '2018-03-05', 'cash');
    await caughtUp();
    expect(await alertIds('?ruleId=R-35')).toEqual([]);
    expect(await alertIds(`?ruleId=R-35&knownAt=${before}`)).toEqual(['R-35.cash_to_individual.payment.RF-CASH']);
    // As known before the new version: version 1 and its severities.
    const old = await api.as('inspector').get(`/alerts/R-07.payee_related_to_cadre.payment.RF-KIN?knownAt=${before}`).expect(200);
    expect(old.body).toMatchObject({ ruleVersion: 1, severity: 'yellow' });
    const set = await api.as('auditor').get('/rule-sets/red-flags?asOf=2018-02-01').expect(200);
    expect(set.body).toMatchObject({ inForce: 1, versions: [{ version: 1 }, { version: 2, effectiveFrom: '2018-03-01', documentNo: '纪发〔2018〕3号' }] });
    expect((await api.as('auditor').get('/rule-sets/red-flags').expect(200)).body.inForce).toBe(2);
  });

  test('bad queries get a named 400; a village cadre may not read alerts', async () => {
    expect((await api.as('inspector').get('/alerts?ruleId=R-99').expect(400)).body.error).toMatchObject({ code: 'unknown_rule', field: 'ruleId' });
    expect((await api.as('inspector').get('/alerts?severity=purple').expect(400)).body.error).toMatchObject({ code: 'invalid_severity', field: 'severity' });
    expect((await api.as('inspector').get('/alerts?limit=0x10').expect(400)).body.error).toMatchObject({ code: 'invalid_limit', field: 'limit' });
    expect((await api.as('inspector').get('/alerts?colour=red').expect(400)).body.error).toMatchObject({ code: 'unknown_parameter', field: 'colour' });
    expect((await api.as('inspector').get('/alerts?after=bm9wZQ').expect(400)).body.error.code).toBe('invalid_cursor');
    await api.as({ id: 'other-insp', role: 'inspector', scope: '990102000000' }).get('/alerts?unitCode=990101000000').expect(403);
    await api.as('village').get('/alerts').expect(403);
    // A roster entry whose relative is the person themself writes nothing.
    const self = testIdNumber('1980-01-01', 777);
    expect((await fin().post('/roster', { personId: 'CAD-X', name: 'x', role: 'helper', unitCode: '990101001001', idNumber: self, from: '2016-01-01',
      relatives: [{ name: 'x', idNumber: self, relation: 'self' }] }).expect(422)).body.error.code).toBe('relative_is_the_person');
    await api.as('inspector').get('/roster/CAD-X').expect(404);
  });
  test('the desk exports as CSV and XLSX in Chinese: the alert list (whole), an alert with its evidence, the rule sets, a roster person', async () => {
    await caughtUp();
    const get = (path: string, who: Parameters<typeof api.as>[0] = 'auditor') => api.as(who).get(path);
    // The list: every alert, severities and statuses by their Chinese names, the JSON's amounts; its totals by severity.
    type Alert = { alertId: string; amount: string | null; severityLabel: string; subject: { id: string }; status: string; evidence: string[]; figures: Record<string, string> };
    const list = (await get('/alerts').expect(200)).body as { total: number; alerts: Alert[] };
    expect(list.total).toBeGreaterThan(1);
    const csv = await get('/alerts?format=csv').expect(200);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="alerts\.csv"$/);
    const lines = csvLines(csv.text);
    expect(lines[0]).toEqual(['【预警清单】']);
    expect(lines[1].slice(0, 6)).toEqual(['预警编号', '规则', '规则名称', '规则集版本', '情形', '等级']);
    const rows = lines.slice(2, 2 + list.total);
    expect(rows.map((r) => r[0]).sort()).toEqual(list.alerts.map((a) => a.alertId).sort());
    for (const a of list.alerts) {
      expect(rows.find((r) => r[0] === a.alertId)).toEqual(expect.arrayContaining([a.severityLabel, a.subject.id, a.amount ?? '', '未处置']));
    }
    expect(lines).toContainEqual(['合计', String(list.total)]);
    // A page of it says it is one: 说明 with the whole count.
    const page = await xlsxOf(get('/alerts?format=xlsx&limit=1'));
    expect(page['预警清单']).toHaveLength(2);
    expect(page['说明']).toEqual(expect.arrayContaining([['共计（条）', String(list.total)], ['本文件（条）', '1']]));
    // One alert: its fields, its figures and each evidence event.
    const id = 'R-20.declared_total_differs_from_lines.batch.RF-B';
    const one = (await get(`/alerts/${id}`).expect(200)).body as Alert;
    const alert = await xlsxOf(get(`/alerts/${id}?format=xlsx`));
    expect(alert['预警']).toEqual(expect.arrayContaining([['等级', one.severityLabel], ['对象类型', '资金批次'], ['对象编号', 'RF-B'], ['处置状态', '未处置']]));
    expect(alert['证据事件'].slice(1).map((r) => r[1])).toEqual(one.evidence);
    expect(alert['比对数值'].slice(1)).toEqual(Object.entries(one.figures));
    // The rule sets: every version, each rule's setting in each, which is in force on the day.
    const rules = await xlsxOf(get('/rule-sets/red-flags?format=xlsx&asOf=2018-02-01'));
    expect(rules['规则集版本'].slice(1).map((r) => [r[0], r[1], r[5]])).toEqual([['1', '2000-01-01', '是'], ['2', '2018-03-01', '否']]);
    expect(rules['各版本规则设置'].find((r) => r[0] === '2' && r[1] === 'R-35')).toEqual(expect.arrayContaining(['现金发放个人超限']));
    const payments = csvLines((await get('/rule-sets/payments?format=csv').expect(200)).text);
    expect(payments[0]).toEqual(['【支付规则】']);
    expect(payments[1]).toEqual(['生效日期', '预付款上限(%)', '惠民项目公示天数', '当日适用']);
    expect(payments.filter((r) => r.length === 4 && r[3] === '是')).toHaveLength(1);
    // A roster person: masked for a reader who may not see the number, in full for one who may, as the JSON.
    const person = await xlsxOf(get('/roster/CAD-1?format=xlsx'));
    expect(person['人员']).toEqual(expect.arrayContaining([['身份', '村干部'], ['状态', '在任'], ['身份证号', testIdNumber('1975-05-05', 901)]]));
    expect(person['亲属'][1]).toEqual(['户主502', '兄弟姐妹', testIdNumber('1970-01-01', 502)]);
    expect((await get('/roster/CAD-1?format=pdf').expect(400)).body.error).toMatchObject({ code: 'invalid_format', field: 'format' });
  });
});
