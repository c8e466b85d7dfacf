import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Principal } from '@yuantrace/domain';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { startTestApp } from '../support/app';
import { fundedRoad, registerCounty, registerHousehold } from '../support/county';
import { client } from '../support/http';
import { csvLines, xlsxOf } from '../support/exports';

/**
 * Cases end to end on PostgreSQL (线上预警 → 线下核实 → 整改 → 销号): opened from a red-flag
 * alert raised by a real cash payment, findings, money recovered by a real reversal and return,
 * maker-checker closure, cross-inspection, overdue lists, replay and scope.
 */
const SUBJECT = '990101000000';
/** Inspectors of the province, each from a home unit: 邻县, another city, and the subject county itself. */
const ming: Principal = { id: 'insp-ming', role: 'inspector', scope: '990000000000', home: '990102000000' };
const hong: Principal = { id: 'insp-hong', role: 'inspector', scope: '990000000000', home: '990200000000' };
const local: Principal = { id: 'insp-local', role: 'inspector', scope: '990000000000', home: SUBJECT };
/** An inspector whose region is the neighbouring county: the subject county lies outside it. */
const neighbour: Principal = { id: 'insp-neighbour', role: 'inspector', scope: '990102000000' };

describe('cases on PostgreSQL', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const caughtUp = () => t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const head = () => t.app.get(EventStore).headPosition();
  const alertId = 'R-35.cash_to_individual.payment.CS-PAY-1';
  const opening = (over: object = {}) => ({ caseId: 'CASE-1', title: '双龙村到户补贴现金发放', source: 'alert', subjectUnitCode: SUBJECT, alertIds: [alertId],
    crossInspection: true, dueDate: '2018-06-30', effectiveDate: '2018-03-01', ...over });
  const error = (r: { status: number; body: { error?: { code: string; field?: string } } }) => ({ status: r.status, code: r.body.error?.code, field: r.body.error?.field });

  beforeAll(async () => {
    t = await startTestApp('postgres');
    api = client(t.app);
    await registerCounty(t.app);
    await fundedRoad(t.app, { batchId: 'CS-B', projectId: 'CS-P', allocationId: 'CS-A' });
    await registerHousehold(t.app, 'CS-H', 700).expect(201);
    const fin = api.as('countyFinance');
    // Two payments of 3,000 元 in cash to a household in 2018 (R-35: cash over 500 元 to an individual); the first is reversed (追回).
    for (const id of ['CS-PAY-1', 'CS-PAY-2']) {
      await fin.post('/payments', { paymentId: id, projectId: 'CS-P', allocationId: 'CS-A', amount: '3000.00', purpose: '务工补助', installment: 'progress',
        effectiveDate: '2018-02-01', payee: { type: 'household', id: 'CS-H', name: '户主700', account: '6217000011117000' } }).expect(201);
      await api.as('countyApprover').post(`/payments/${id}/approval`, { approved: true, effectiveDate: '2018-02-02' }).expect(200);
      await fin.post(`/payments/${id}/execution`, { channel: 'cash', bankReference: `CASH-${id}`, effectiveDate: '2018-02-03' }).expect(200);
    }
    await fin.post('/payments/CS-PAY-1/reversal', { reason: '冒领追回', effectiveDate: '2018-04-01', documentNo: '县纪委〔2018〕追1号' }).expect(200);
    // 1,000 元 more comes back as a return of the project's unspent allocation.
    await fin.post('/fund-batches/CS-B/returns', { returnId: 'CS-RT', amount: '1000.00', reason: '违规资金收回', effectiveDate: '2018-04-05', allocationId: 'CS-A' }).expect(201);
    await caughtUp();
  });
  afterAll(async () => t?.close());

  test('the cash payment raised an R-35 alert in the subject county', async () => {
    const r = await api.as(ming).get('/alerts?ruleId=R-35');
    expect(r.status).toBe(200);
    expect(r.body.alerts.map((a: { alertId: string }) => a.alertId)).toContain(alertId);
  });

  test('bad input is refused with a code and a field, and writes nothing', async () => {
    const before = await head();
    const cases: Array<[string, Principal, string, object, number, string, string | undefined]> = [
      ['no title', ming, '/cases', { ...opening(), title: undefined }, 400, 'invalid_field', 'title'],
      ['an unknown source', ming, '/cases', opening({ source: 'rumour' }), 400, 'invalid_field', 'source'],
      ['an alert case without alerts', ming, '/cases', opening({ alertIds: [] }), 400, 'alert_required', 'alertIds'],
      ['an alert that does not exist', ming, '/cases', opening({ alertIds: [alertId, 'R-35.cash_to_individual.payment.NOPE'] }), 422, 'alert_not_found', 'alertIds[1]'],
      ['an alert outside the subject', ming, '/cases', opening({ subjectUnitCode: '990101001002' }), 422, 'alert_outside_subject', 'alertIds[0]'],
      ['a deadline before the opening', ming, '/cases', opening({ dueDate: '2018-02-01' }), 422, 'due_before_opened', 'dueDate'],
      ['a date in the future', ming, '/cases', opening({ effectiveDate: '2099-01-01', dueDate: '2099-06-30' }), 422, 'date_in_future', 'effectiveDate'],
      ['a subject outside the opener\'s region', neighbour, '/cases', opening({ crossInspection: false }), 403, 'out_of_scope', undefined],
      ['an unregistered subject', ming, '/cases', opening({ subjectUnitCode: '990101009000', alertIds: [], source: 'inspection' }), 422, 'unit_not_found', 'subjectUnitCode'],
      ['the subject county\'s own inspector on a cross-inspection case', local, '/cases', opening(), 403, 'cross_inspection_own_county', undefined],
      ['a finding on a case that does not exist', ming, '/cases/CASE-NONE/findings', { findingId: 'F', findingType: 'DIVERSION', description: 'x', effectiveDate: '2018-03-02' },
        404, 'case_not_found', 'caseId'],
    ];
    for (const [what, who, path, body, status, code, field] of cases) {
      expect({ what, ...error(await api.as(who).post(path, body)) }).toEqual({ what, status, code, field });
    }
    const auditor = await api.as('auditor').post('/cases', opening());
    expect(error(auditor)).toEqual({ status: 403, code: 'role_not_allowed', field: undefined });
    expect(await head()).toEqual(before);
  });

  test('open from an alert, verify, recover through the ledger, and close by two inspectors', async () => {
    const opened = (await api.as(ming).post('/cases', opening()).expect(201)).body;
    expect(opened).toMatchObject({ caseId: 'CASE-1', status: 'open', openedBy: 'insp-ming', openedOn: '2018-03-01', alertIds: [alertId], crossInspection: true });
    // The same command again answers as the first time; another body under the same id is a conflict.
    expect((await api.as(ming).post('/cases', opening()).expect(201)).body).toEqual(opened);
    expect(error(await api.as(ming).post('/cases', opening({ title: '另一案' })))).toEqual({ status: 409, code: 'id_reused_with_different_payload', field: 'caseId' });

    // 异地交叉: the subject county's own inspector may not act on it; an inspector of another county may.
    const finding = { findingId: 'F-1', findingType: 'FRAUDULENT_CLAIM', description: '村会计以现金代领到户补贴', amount: '4000.00', responsiblePersons: ['王某（村会计）'],
      effectiveDate: '2018-03-10' };
    const before = await head();
    expect(error(await api.as(local).post('/cases/CASE-1/findings', finding))).toEqual({ status: 403, code: 'cross_inspection_own_county', field: undefined });
    expect(error(await api.as(neighbour).post('/cases/CASE-1/findings', finding))).toMatchObject({ status: 403, code: 'out_of_scope' });
    expect(error(await api.as(ming).post('/cases/CASE-1/findings', { ...finding, effectiveDate: '2018-02-28' })))
      .toEqual({ status: 422, code: 'date_before_previous_step', field: 'effectiveDate' });
    expect(await head()).toEqual(before);
    const verifying = (await api.as(hong).post('/cases/CASE-1/findings', finding).expect(201)).body;
    expect(verifying).toMatchObject({ status: 'verifying', findings: [{ findingId: 'F-1', amount: '4000.00', recovered: '0.00', recordedBy: 'insp-hong' }] });

    // Money recovered is the ledger's own reversal and return: each must exist, be reversed, and not be counted twice.
    const recovery = { rectificationId: 'R-1', kind: 'funds_recovered', findingId: 'F-1', description: '追回冒领资金', amount: '4000.00',
      paymentIds: ['CS-PAY-1'], returns: [{ batchId: 'CS-B', returnId: 'CS-RT' }], effectiveDate: '2018-04-06' };
    const refusals: Array<[object, number, string, string]> = [
      [{ paymentIds: ['CS-PAY-2'] }, 422, 'recovery_payment_not_reversed', 'paymentIds[0]'],
      [{ paymentIds: ['CS-PAY-NONE'] }, 422, 'recovery_payment_not_found', 'paymentIds[0]'],
      [{ returns: [{ batchId: 'CS-B', returnId: 'CS-RT-NONE' }] }, 422, 'recovery_return_not_found', 'returns[0].returnId'],
      [{ effectiveDate: '2018-04-02' }, 422, 'recovery_after_rectification', 'returns[0].returnId'],
      [{ amount: '4000.01' }, 422, 'recovery_exceeds_ledger', 'amount'],
      [{ personName: '王某' }, 400, 'unknown_field', 'personName'],
      [{ amount: undefined }, 400, 'invalid_field', 'amount'],
      [{ findingId: 'F-9' }, 422, 'finding_not_found', 'findingId'],
    ];
    const beforeRefusals = await head();
    for (const [over, status, code, field] of refusals) {
      expect({ over, ...error(await api.as(ming).post('/cases/CASE-1/rectifications', { ...recovery, ...over })) }).toEqual({ over, status, code, field });
    }
    expect(await head()).toEqual(beforeRefusals);
    const rectifying = (await api.as(ming).post('/cases/CASE-1/rectifications', recovery).expect(201)).body;
    expect(rectifying).toMatchObject({ status: 'rectifying', recovered: '4000.00', findings: [{ findingId: 'F-1', recovered: '4000.00' }],
      rectifications: [{ rectificationId: 'R-1', kind: 'funds_recovered', amount: '4000.00', paymentIds: ['CS-PAY-1'], returns: [{ batchId: 'CS-B', returnId: 'CS-RT' }] }] });
    expect(error(await api.as(ming).post('/cases/CASE-1/rectifications', { ...recovery, rectificationId: 'R-1b', amount: '1.00', returns: [] })))
      .toEqual({ status: 422, code: 'recovery_already_counted', field: 'paymentIds[0]' });
    await api.as(ming).post('/cases/CASE-1/rectifications', { rectificationId: 'R-2', kind: 'accountability', findingId: 'F-1', personName: '王某',
      measure: 'SERIOUS_WARNING', description: '给予党内严重警告处分', effectiveDate: '2018-04-07' }).expect(201);

    // Maker-checker: the proposer may neither confirm nor refuse; a second inspector refuses (with a comment), then confirms a new proposal.
    await api.as(ming).post('/cases/CASE-1/closure', { comment: '整改到位，申请销号', effectiveDate: '2018-04-10' }).expect(200);
    expect(error(await api.as(ming).post('/cases/CASE-1/closure/confirmation', { confirmed: true, effectiveDate: '2018-04-11' })))
      .toEqual({ status: 422, code: 'confirmer_is_proposer', field: 'confirmed' });
    expect(error(await api.as(hong).post('/cases/CASE-1/closure/confirmation', { confirmed: false, effectiveDate: '2018-04-11' })))
      .toEqual({ status: 400, code: 'comment_required', field: 'comment' });
    expect(error(await api.as(local).post('/cases/CASE-1/closure/confirmation', { confirmed: true, effectiveDate: '2018-04-11' })))
      .toEqual({ status: 403, code: 'cross_inspection_own_county', field: undefined });
    const refused = (await api.as(hong).post('/cases/CASE-1/closure/confirmation', { confirmed: false, comment: '问责文件未附', effectiveDate: '2018-04-11' }).expect(200)).body;
    expect(refused).toMatchObject({ status: 'rectifying', proposal: null, closure: null });
    await api.as(ming).post('/cases/CASE-1/closure', { comment: '已补问责文件', effectiveDate: '2018-04-13' }).expect(200);
    const closed = (await api.as(hong).post('/cases/CASE-1/closure/confirmation', { confirmed: true, comment: '同意销号', effectiveDate: '2018-04-15' }).expect(200)).body;
    expect(closed).toMatchObject({ status: 'closed', overdue: false, proposal: { proposedBy: 'insp-ming', effectiveDate: '2018-04-13' },
      closure: { confirmedBy: 'insp-hong', comment: '同意销号', effectiveDate: '2018-04-15' } });
    // Repeated, the confirmation answers as before; nothing more is recorded on a closed case.
    expect((await api.as(hong).post('/cases/CASE-1/closure/confirmation', { confirmed: true, comment: '同意销号', effectiveDate: '2018-04-15' }).expect(200)).body).toEqual(closed);
    expect(error(await api.as(ming).post('/cases/CASE-1/findings', { ...finding, findingId: 'F-2', effectiveDate: '2018-05-01' }))).toMatchObject({ status: 422, code: 'case_closed' });
    const events = await t.app.get(EventStore).readStream('case-CASE-1');
    expect(events.map((e) => e.type)).toEqual(['CaseOpened', 'CaseFindingRecorded', 'CaseRectificationRecorded', 'CaseRectificationRecorded', 'CaseClosureProposed',
      'CaseClosureRefused', 'CaseClosureProposed', 'CaseClosed']);
    expect(events.filter((e) => e.type === 'CaseClosed')).toHaveLength(1);
  });

  test('a case without an amount to recover, from a complaint, by the county\'s own inspector when not cross-inspected', async () => {
    await api.as(local).post('/cases', { caseId: 'CASE-2', title: '群众举报优亲厚友', source: 'complaint', subjectUnitCode: '990101001001', alertIds: [],
      crossInspection: false, dueDate: '2018-05-31', effectiveDate: '2018-03-01' }).expect(201);
    await api.as(local).post('/cases/CASE-2/findings', { findingId: 'F-1', findingType: 'FAVOURITISM', description: '村主任亲属纳入建档立卡', effectiveDate: '2018-03-20' })
      .expect(201);
    // A finding with an amount must be recovered in full, or the proposal says why not.
    await api.as(local).post('/cases/CASE-2/findings', { findingId: 'F-2', findingType: 'FALSE_REPORTING', description: '虚报务工人数', amount: '500.00',
      effectiveDate: '2018-03-21' }).expect(201);
    expect(error(await api.as(local).post('/cases/CASE-2/closure', { effectiveDate: '2018-04-01' }))).toEqual({ status: 422, code: 'recovery_incomplete', field: 'shortfalls' });
    await api.as(local).post('/cases/CASE-2/closure', { effectiveDate: '2018-07-01', shortfalls: [{ findingId: 'F-2', note: '当事人已死亡，无法追回' }] }).expect(200);
  });

  test('replay, overdue lists, and scope', async () => {
    await caughtUp();
    const view = (await api.as('auditor').get('/cases/CASE-1').expect(200)).body;
    expect(view).toMatchObject({ basis: { axis: 'current' }, status: 'closed', recovered: '4000.00' });
    expect(view.timeline.map((s: { step: string; status: string; by: string }) => [s.step, s.status, s.by])).toEqual([
      ['CaseOpened', 'open', 'insp-ming'], ['CaseFindingRecorded', 'verifying', 'insp-hong'], ['CaseRectificationRecorded', 'rectifying', 'insp-ming'],
      ['CaseRectificationRecorded', 'rectifying', 'insp-ming'], ['CaseClosureProposed', 'closure_proposed', 'insp-ming'], ['CaseClosureRefused', 'rectifying', 'insp-hong'],
      ['CaseClosureProposed', 'closure_proposed', 'insp-ming'], ['CaseClosed', 'closed', 'insp-hong']]);
    // As it stood on dates before: open, under verification, sent back, proposed, never yet closed.
    const asOf = async (date: string) => (await api.as(ming).get(`/cases/CASE-1?asOf=${date}`).expect(200)).body;
    expect(await asOf('2018-03-05')).toMatchObject({ status: 'open', findings: [], basis: { asOf: '2018-03-05', axis: 'asOf' } });
    expect(await asOf('2018-03-10')).toMatchObject({ status: 'verifying', recovered: '0.00' });
    expect(await asOf('2018-04-11')).toMatchObject({ status: 'rectifying', recovered: '4000.00', proposal: null });
    expect(await asOf('2018-04-14')).toMatchObject({ status: 'closure_proposed', closure: null });
    expect((await api.as(ming).get('/cases/CASE-1?asOf=2018-02-01').expect(404)).body.error.code).toBe('not_found_as_of');
    // Known at an instant before anything was recorded: nothing; now: all of it.
    expect((await api.as(ming).get('/cases/CASE-1?knownAt=2018-01-01T00:00:00Z').expect(404)).body.error.code).toBe('not_found_as_of');

    // Overdue: not closed and past the deadline on the asOf date (or today). CASE-2 (due 05-31) was proposed for closure only in July.
    const list = async (query: string, who: Principal | 'auditor' = ming) => (await api.as(who).get(`/cases${query}`).expect(200)).body;
    const ids = (body: { cases: Array<{ caseId: string }> }) => body.cases.map((c) => c.caseId);
    expect(ids(await list('?overdue=true'))).toEqual(['CASE-2']);
    expect(ids(await list('?overdue=true&asOf=2018-05-31'))).toEqual([]);
    expect((await list('?overdue=true&asOf=2018-06-01')).cases).toEqual([expect.objectContaining({ caseId: 'CASE-2', status: 'verifying', overdue: true, dueDate: '2018-05-31' })]);
    expect(ids(await list('?overdue=true&asOf=2018-07-01'))).toEqual(['CASE-2']);
    expect((await list('?asOf=2018-04-12')).cases.map((c: { caseId: string; status: string; overdue: boolean }) => [c.caseId, c.status, c.overdue]))
      .toEqual([['CASE-1', 'rectifying', false], ['CASE-2', 'verifying', false]]);
    expect(ids(await list('?status=closed'))).toEqual(['CASE-1']);
    expect(ids(await list('?unitCode=990101001001', 'auditor'))).toEqual(['CASE-2']);
    const page1 = await list('?limit=1');
    expect(ids(page1)).toEqual(['CASE-1']);
    expect(ids(await list(`?limit=1&after=${page1.next}`))).toEqual(['CASE-2']);
    expect(error(await api.as(ming).get('/cases?status=lost'))).toEqual({ status: 400, code: 'invalid_status', field: 'status' });
    expect(error(await api.as(ming).get(`/cases?after=${page1.next}&status=closed`))).toEqual({ status: 400, code: 'invalid_cursor', field: 'after' });

    // Scope: an inspector of another county sees no case of this one, exactly as an unknown id, with or without a time cut.
    const hidden = await api.as(neighbour).get('/cases/CASE-1');
    const unknown = await api.as(neighbour).get('/cases/CASE-NONE');
    expect(error(hidden)).toEqual({ status: 404, code: 'case_not_found', field: 'id' });
    expect(hidden.body.error.message.replace('CASE-1', 'ID')).toBe(unknown.body.error.message.replace('CASE-NONE', 'ID'));
    expect(error(await api.as(neighbour).get('/cases/CASE-1?asOf=2000-01-01'))).toMatchObject({ status: 404, code: 'case_not_found' });
    expect((await list('', neighbour)).cases).toEqual([]);
    expect(error(await api.as(neighbour).get('/cases?unitCode=990101000000'))).toMatchObject({ status: 403, code: 'out_of_scope' });
    // The case's stream lies in the subject's region in the audit log.
    const log = (await api.as(ming).get('/events?stream=case-CASE-1').expect(200)).body;
    expect(log.events).toHaveLength(8);
    expect(error(await api.as(neighbour).get('/events?stream=case-CASE-1'))).toMatchObject({ status: 403, code: 'out_of_scope' });
  });
  test('cases export as CSV and XLSX in Chinese: the list (whole, or a page that says so), a case with its findings, rectifications and timeline', async () => {
    await caughtUp();
    const list = csvLines((await api.as('auditor').get('/cases?format=csv').expect(200)).text);
    expect(list[0]).toEqual(['案件编号', '标题', '来源', '被查单位', '交叉检查', '整改期限', '立案人', '立案日期', '状态', '逾期']);
    expect(list.slice(1).map((r) => [r[0], r[2], r[4], r[8]])).toEqual([['CASE-1', '线上预警', '是', '已销号'], ['CASE-2', '信访举报', '否', '待销号审核']]);
    // A page read by cursor says it is one, and how to read on.
    const page = await xlsxOf(api.as('auditor').get('/cases?format=xlsx&limit=1'));
    expect(page['案件清单'].map((r) => r[0])).toEqual(['案件编号', 'CASE-1']);
    expect(page['说明']).toEqual(expect.arrayContaining([['本文件（条）', '1'], ['说明', '本文件只含其中一页：以 next 游标（after 参数）继续导出']]));
    // The file carries the cursor to read on with, and reading on with it gives the rest.
    const cursor = page['说明'].find((r) => r[0] === '下一页游标（after）')![1];
    expect(csvLines((await api.as('auditor').get(`/cases?format=csv&after=${encodeURIComponent(cursor)}`).expect(200)).text).slice(0, 3).map((r) => r[0])).toEqual(['【案件清单】', '案件编号', 'CASE-2']);
    // One case, as the JSON holds it: amounts to the fen, codes by their Chinese names, every step of the timeline.
    const json = (await api.as('auditor').get('/cases/CASE-1').expect(200)).body as { recovered: string; timeline: unknown[] };
    const book = await xlsxOf(api.as('auditor').get('/cases/CASE-1?format=xlsx'));
    expect(book['案件']).toEqual(expect.arrayContaining([['状态', '已销号'], ['追回金额(元)', json.recovered], ['关联预警', alertId], ['销号审核人', 'insp-hong']]));
    expect(book['问题'][1]).toEqual(expect.arrayContaining(['F-1', '冒领', '4000.00', '4000.00', '王某（村会计）']));
    expect(book['整改'].slice(1).map((r) => [r[0], r[1], r[4], r[5], r[6]])).toEqual([['R-1', '追回资金', '4000.00', 'CS-PAY-1', 'CS-B/CS-RT'], ['R-2', '问责', '', '', '']]);
    expect(book['时间线'].slice(1)).toHaveLength(json.timeline.length);
    expect(book['时间线'][book['时间线'].length - 1].slice(0, 3)).toEqual(['CaseClosed', '已销号', 'insp-hong']);
    // As it stood on a day before: the export follows the basis, as the JSON does.
    const before = await xlsxOf(api.as('auditor').get('/cases/CASE-1?format=xlsx&asOf=2018-03-10'));
    expect(before['案件']).toEqual(expect.arrayContaining([['状态', '核实中']]));
  });
});
