import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { PersonalDataVault } from '@yuantrace/ledger';
import { startTestApp, type Backend } from '../support/app';
import { registerCounty, registerHousehold, testIdNumber } from '../support/county';
import { client } from '../support/http';

describe.each<Backend>(['postgres', 'embedded'])('projects and households on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const fin = () => api.as('countyFinance');
  const milestone = (id: string, kind: string, date: string, extra: object = {}) =>
    fin().post('/projects/ROAD-38/milestones', { milestoneId: id, kind, date, ...extra });
  const pay = (id: string, installment: string, amount: string, date: string, payee: object = { type: 'contractor', id: 'CT-9', name: '县路桥公司', account: '6222000099998888' }) =>
    fin().post('/payments', { paymentId: id, projectId: 'ROAD-38', allocationId: 'AL-ROAD-38', amount, purpose: '机耕道工程款', installment, effectiveDate: date, payee });
  const approveAndExecute = async (id: string, approved: string, executed: string) => {
    await api.as('countyApprover').post(`/payments/${id}/approval`, { approved: true, effectiveDate: approved }).expect(200);
    await fin().post(`/payments/${id}/execution`, { channel: 'treasury_direct', bankReference: `BR-${id}`, effectiveDate: executed }).expect(200);
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    api = client(t.app);
    await registerCounty(t.app);
    await fin().post('/fund-batches', { batchId: 'PH-B', documentNo: '县财〔2016〕40号', title: '整合涉农资金', source: 'SECTOR_AGRI', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '2000000.00', effectiveDate: '2016-03-01', purpose: '基础设施与教育扶贫' }).expect(201);
  });
  afterAll(async () => t?.close());

  test('a village road (1 km 机耕道, 38万元) from proposal to hand-over, its payments held to the project', async () => {
    await fin().post('/projects', { projectId: 'ROAD-38', name: '双龙村1公里机耕道硬化', type: 'ROAD', unitCode: '990101001001', implementer: '双龙村村民委员会',
      budget: '380000.00', plannedStart: '2016-05-01', plannedEnd: '2016-10-31' }).expect(201);
    await fin().post('/fund-batches/PH-B/allocations', { allocationId: 'AL-ROAD-38', target: { type: 'project', projectId: 'ROAD-38' }, amount: '380000.00',
      effectiveDate: '2016-04-01', documentNo: '县财发〔2016〕41号' }).expect(201);
    // No payment before approval (立项).
    expect((await pay('R-0', 'advance', '1000.00', '2016-04-02').expect(422)).body.error.code).toBe('project_not_approved');
    expect((await milestone('M-start-early', 'started', '2016-04-20').expect(422)).body.error.code).toBe('started_before_approved');
    await milestone('M-approved', 'approved', '2016-04-10', { documentNo: '县扶贫办〔2016〕9号' }).expect(201);
    await milestone('M-publicized', 'publicized', '2016-04-11', { publicUntil: '2016-04-18' }).expect(201);
    await milestone('M-tendered', 'tendered', '2016-04-25').expect(201);
    await milestone('M-contracted', 'contracted', '2016-04-28').expect(201);
    // An advance of at most 30% before work starts: 114,000 of 380,000.
    expect((await pay('R-ADV-X', 'advance', '114000.01', '2016-04-29').expect(422)).body.error.code).toBe('advance_exceeds_limit');
    await pay('R-ADV', 'advance', '114000.00', '2016-04-29').expect(201);
    await approveAndExecute('R-ADV', '2016-04-29', '2016-04-30');
    // A progress payment before the start is refused.
    expect((await pay('R-PROG-EARLY', 'progress', '50000.00', '2016-05-02').expect(422)).body.error).toMatchObject({ code: 'project_not_started', field: 'installment' });
    await milestone('M-started', 'started', '2016-05-05').expect(201);
    expect((await pay('R-ADV-LATE', 'advance', '1.00', '2016-05-06').expect(422)).body.error.code).toBe('advance_after_start');
    await milestone('M-progress-40', 'progress', '2016-07-01', { percentComplete: 40, note: '已完成0.4公里' }).expect(201);
    expect((await milestone('M-progress-back', 'progress', '2016-07-15', { percentComplete: 30 }).expect(422)).body.error.code).toBe('progress_goes_backwards');
    // What is claimed in all, the advance included, never exceeds the work reported done: 114,000 + 152,000 is 70%, not 40%.
    expect((await pay('R-PROG', 'progress', '152000.00', '2016-07-05').expect(422)).body.error).toMatchObject({ code: 'exceeds_progress', field: 'amount' });
    await milestone('M-progress-70', 'progress', '2016-07-04', { percentComplete: 70, note: '已完成0.7公里' }).expect(201);
    // A payment dated before that report is still held to the 40% of its own date.
    expect((await pay('R-PROG', 'progress', '152000.00', '2016-07-03').expect(422)).body.error.code).toBe('exceeds_progress');
    await pay('R-PROG', 'progress', '152000.00', '2016-07-05').expect(201);
    await approveAndExecute('R-PROG', '2016-07-06', '2016-07-10');
    await milestone('M-completed', 'completed', '2016-10-20').expect(201);
    // The final payment is refused before a passed acceptance, also after a failed one, and paid after the re-inspection passes.
    expect((await pay('R-FINAL', 'final', '114000.00', '2016-10-22').expect(422)).body.error.code).toBe('project_not_accepted');
    expect((await milestone('M-handover-early', 'handed_over', '2016-10-23').expect(422)).body.error.code).toBe('handed_over_before_accepted');
    await milestone('M-accepted-1', 'accepted', '2016-10-25', { result: 'failed', note: '路面厚度不足' }).expect(201);
    expect((await pay('R-FINAL', 'final', '114000.00', '2016-10-26').expect(422)).body.error.code).toBe('project_not_accepted');
    // A works project pays a single installment only after a passed acceptance too.
    expect((await pay('R-SINGLE', 'single', '1000.00', '2016-10-26').expect(422)).body.error).toMatchObject({ code: 'project_not_accepted', field: 'installment' });
    await milestone('M-accepted-2', 'accepted', '2016-11-10', { result: 'passed' }).expect(201);
    // Never beyond the budget.
    expect((await pay('R-OVER', 'final', '114000.01', '2016-11-15').expect(422)).body.error.code).toBe('exceeds_budget');
    await pay('R-FINAL', 'final', '114000.00', '2016-11-15').expect(201);
    await approveAndExecute('R-FINAL', '2016-11-16', '2016-11-20');
    await milestone('M-handover', 'handed_over', '2016-12-01', { note: '移交村集体管护' }).expect(201);
    // Out of order and bad input, each with a named reason and nothing written.
    const before = await t.app.get(EventStore).headPosition();
    expect((await milestone('M-bad-1', 'progress', '2016-12-02', { percentComplete: 101 }).expect(400)).body.error.field).toBe('percentComplete');
    expect((await milestone('M-bad-2', 'completed', '2016-12-02').expect(422)).body.error.code).toBe('completed_after_completed');
    expect((await milestone('M-bad-3', 'teatime', '2016-12-02').expect(400)).body.error.field).toBe('kind');
    expect(await t.app.get(EventStore).headPosition()).toEqual(before);

    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    const view = (await api.as('auditor').get('/projects/ROAD-38').expect(200)).body;
    expect(view).toMatchObject({ budget: '380000.00', committed: '380000.00', paid: '380000.00', balance: '0.00' });
    // The rule a payment was checked under is in its event, so an audit can tell which applied.
    const [requested] = await t.app.get(EventStore).readStream('payment-R-ADV');
    expect(requested.data.rules).toEqual({ effectiveFrom: '2000-01-01', advanceMaxPercent: 30, publicityMinDays: 7 });
  });

  test('a project\'s payments come a page at a time, with how many there are and the advances claimed over all of them; a whole export holds every one', async () => {
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    const read = async (query: string) => (await api.as('auditor').get(`/projects/ROAD-38?${query}`).expect(200)).body;
    const ids = (v: { payments: { paymentId: string }[] }) => v.payments.map((x) => x.paymentId);
    const first = await read('paymentsLimit=2');
    expect(first).toMatchObject({ paymentCount: 3, paymentsOffset: 0, paymentsNextOffset: 2, advancesClaimed: '114000.00', paid: '380000.00' });
    expect(ids(first)).toEqual(['R-ADV', 'R-PROG']);
    // The advance is not on the second page; what the gate weighs is still every payment's.
    const second = await read('paymentsLimit=2&paymentsOffset=2');
    expect(second).toMatchObject({ paymentCount: 3, paymentsOffset: 2, paymentsNextOffset: null, advancesClaimed: '114000.00' });
    expect(ids(second)).toEqual(['R-FINAL']);
    expect(ids(await read(''))).toEqual(['R-ADV', 'R-PROG', 'R-FINAL']);
    expect((await read('paymentsOffset=3')).payments).toEqual([]);
    // Under a date, only what was requested by then.
    expect(await read('asOf=2016-07-01')).toMatchObject({ paymentCount: 1, advancesClaimed: '114000.00', paymentsNextOffset: null });
    expect(await read('asOf=2016-04-28')).toMatchObject({ paymentCount: 0, advancesClaimed: '0.00', payments: [] });
    // Bad paging is named by its field and answers nothing.
    for (const [query, code, field] of [['paymentsLimit=0', 'invalid_limit', 'paymentsLimit'], ['paymentsLimit=501', 'invalid_limit', 'paymentsLimit'],
      ['paymentsLimit=1e2', 'invalid_limit', 'paymentsLimit'], ['paymentsOffset=-1', 'invalid_offset', 'paymentsOffset'], ['paymentsoffset=1', 'unknown_parameter', 'paymentsoffset']]) {
      expect({ query, error: (await api.as('auditor').get(`/projects/ROAD-38?${query}`).expect(400)).body.error }).toMatchObject({ query, error: { code, field } });
    }
    // An export with no page asked for holds every payment; a page's file says it is one, and how to read on.
    const all = (await api.as('auditor').get('/projects/ROAD-38?format=csv').expect(200)).text;
    for (const id of ['R-ADV', 'R-PROG', 'R-FINAL']) expect(all).toContain(`"${id}"`);
    expect(all).not.toContain('【说明】');
    const part = (await api.as('auditor').get('/projects/ROAD-38?format=csv&paymentsLimit=1&paymentsOffset=1').expect(200)).text;
    expect(part).toContain('"R-PROG"');
    expect(part).not.toContain('"R-ADV"');
    expect(part).toContain('【说明】');
    expect(part).toContain('paymentsOffset');
  });

  test('households: registered, paid an education subsidy, refused once removed, still paid after exit', async () => {
    const kid = testIdNumber('2006-09-08', 11);
    const res = await registerHousehold(t.app, 'HH-ZHANG', 10, '990101001001', {
      members: [{ name: '张小燕', idNumber: kid, relation: 'child', birthYear: 2006 }], causes: ['EDUCATION', 'ILLNESS'] }).expect(201);
    expect(res.body).toMatchObject({ householdId: 'HH-ZHANG', status: 'registered', members: [{ relation: 'head', idNumber: testIdNumber('1970-01-01', 10) }, { name: '张小燕', idNumber: kid }] });
    await registerHousehold(t.app, 'HH-WANG', 20).expect(201);
    await registerHousehold(t.app, 'HH-LI', 30).expect(201);
    // One person, one registered household: the 409 names the other household.
    const dup = await registerHousehold(t.app, 'HH-DUP', 40, '990101001001', { members: [{ name: '张小燕', idNumber: kid, relation: 'child' }] }).expect(409);
    expect(dup.body.error).toMatchObject({ code: 'identity_number_taken', field: 'members[0].idNumber' });
    expect(dup.body.error.message).toContain('HH-ZHANG');
    // The head of HH-DUP was not left claimed by the refused registration.
    await registerHousehold(t.app, 'HH-DUP-2', 40).expect(201);

    await fin().post('/projects', { projectId: 'EDU-2016', name: '2016年秋季建档立卡学生资助', type: 'EDUCATION', unitCode: '990101000000', implementer: '县教育局',
      budget: '100000.00', plannedStart: '2016-09-01', plannedEnd: '2017-08-31' }).expect(201);
    await fin().post('/projects/EDU-2016/milestones', { milestoneId: 'EDU-approved', kind: 'approved', date: '2016-08-20', documentNo: '县教发〔2016〕6号' }).expect(201);
    await fin().post('/fund-batches/PH-B/allocations', { allocationId: 'AL-EDU', target: { type: 'project', projectId: 'EDU-2016' }, amount: '100000.00',
      effectiveDate: '2016-08-25', documentNo: '县财发〔2016〕50号' }).expect(201);
    const subsidy = (id: string, householdId: string, amount: string, date: string, over: object = {}) => fin().post('/payments', {
      paymentId: id, projectId: 'EDU-2016', allocationId: 'AL-EDU', amount, purpose: '建档立卡学生生活补助', installment: 'single', effectiveDate: date,
      payee: { type: 'household', id: householdId, name: '户主', account: '6217000011112222333' }, ...over });
    // A benefit programme pays registered households, in single installments, and only after its 公示 has run its week.
    const refused = async (res: Promise<{ status: number; body: { error?: { code: string; field?: string } } }>, code: string, field: string) => {
      const r = await res;
      expect({ status: r.status, code: r.body.error?.code, field: r.body.error?.field }).toEqual({ status: 422, code, field });
    };
    await refused(subsidy('EDU-ZHANG-2016', 'HH-ZHANG', '1000.00', '2016-09-15', { payee: { type: 'contractor', id: 'CT-9', name: '县路桥公司', account: '6222000099998888' } }),
      'benefit_payee_not_household', 'payee.type');
    await refused(subsidy('EDU-ZHANG-2016', 'HH-ZHANG', '1000.00', '2016-09-15', { installment: 'progress' }), 'installment_not_for_programme', 'installment');
    await refused(subsidy('EDU-ZHANG-2016', 'HH-ZHANG', '1000.00', '2016-09-15'), 'publicity_not_completed', 'effectiveDate');
    // Six days of 公示 (22nd to 27th August inclusive) are one too few.
    await fin().post('/projects/EDU-2016/milestones', { milestoneId: 'EDU-publicized-short', kind: 'publicized', date: '2016-08-22', publicUntil: '2016-08-27' }).expect(201);
    await refused(subsidy('EDU-ZHANG-2016', 'HH-ZHANG', '1000.00', '2016-09-15'), 'publicity_too_short', 'effectiveDate');
    // Seven days (29th August to 4th September inclusive): paid from the day after it ends; on its last day only the short one has ended.
    await fin().post('/projects/EDU-2016/milestones', { milestoneId: 'EDU-publicized', kind: 'publicized', date: '2016-08-29', publicUntil: '2016-09-04' }).expect(201);
    await refused(subsidy('EDU-ZHANG-2016', 'HH-ZHANG', '1000.00', '2016-09-04'), 'publicity_too_short', 'effectiveDate');
    // 1,000 元 per primary pupil per year, 2,000 元 in junior/senior high (DOMAIN.md §6.8).
    await subsidy('EDU-ZHANG-2016', 'HH-ZHANG', '1000.00', '2016-09-15').expect(201);
    await api.as('countyApprover').post('/payments/EDU-ZHANG-2016/approval', { approved: true, effectiveDate: '2016-09-16' }).expect(200);
    await fin().post('/payments/EDU-ZHANG-2016/execution', { channel: 'one_card', bankReference: 'BR-EDU-1', effectiveDate: '2016-09-20' }).expect(200);
    // A household that is not registered, or removed (剔除), is not paid.
    expect((await subsidy('EDU-NOBODY', 'HH-NOBODY', '1000.00', '2016-09-15').expect(422)).body.error).toMatchObject({ code: 'payee_household_not_registered', field: 'payee.id' });
    await fin().post('/households/HH-WANG/status', { status: 'removed', date: '2016-06-01', reason: '家庭成员为公职人员（九不纳入）', documentNo: '县扶贫办〔2016〕20号' }).expect(200);
    expect((await subsidy('EDU-WANG', 'HH-WANG', '1000.00', '2016-09-15').expect(422)).body.error.code).toBe('payee_household_removed');
    // An exited household (脱贫) stays eligible (四个不摘).
    await fin().post('/households/HH-ZHANG/status', { status: 'exited', date: '2017-12-01', reason: '人均纯收入超过贫困线' }).expect(200);
    await subsidy('EDU-ZHANG-2018', 'HH-ZHANG', '2000.00', '2018-03-01').expect(201);
    await api.as('countyApprover').post('/payments/EDU-ZHANG-2018/approval', { approved: true, effectiveDate: '2018-03-02' }).expect(200);
    await fin().post('/payments/EDU-ZHANG-2018/execution', { channel: 'one_card', bankReference: 'BR-EDU-2', effectiveDate: '2018-03-05' }).expect(200);
    expect((await fin().post('/households/HH-ZHANG/status', { status: 'exited', date: '2018-12-01', reason: 'x' }).expect(422)).body.error.code).toBe('exited_from_exited');

    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    // The household view: masked for the village, unmasked for an inspector; receipts with origin and totals.
    const village = (await api.as('village').get('/households/HH-ZHANG').expect(200)).body;
    expect(village.members.map((m: { idNumber: string }) => m.idNumber)).toEqual([expect.stringMatching(/^9901\*{10}[0-9X]{4}$/), expect.stringMatching(/^9901\*{10}/)]);
    const insp = (await api.as('inspector').get('/households/HH-ZHANG').expect(200)).body;
    expect(insp.members[1].idNumber).toBe(kid);
    expect(insp).toMatchObject({ status: 'exited', received: '3000.00', history: [expect.objectContaining({ status: 'exited', date: '2017-12-01' })] });
    expect(insp.receipts.map((r: { paymentId: string; amount: string }) => [r.paymentId, r.amount])).toEqual([['EDU-ZHANG-2016', '1000.00'], ['EDU-ZHANG-2018', '2000.00']]);
    expect(insp.receipts[0].origin).toMatchObject({ rootBatchId: 'PH-B', rootDocumentNo: '县财〔2016〕40号' });
    expect(insp.receipts[0].chain[0]).toMatchObject({ batchId: 'PH-B', documentNo: '县财〔2016〕40号' });
    expect(insp.totals).toEqual({ byYear: [{ year: '2016', amount: '1000.00' }, { year: '2018', amount: '2000.00' }],
      bySource: [{ source: 'SECTOR_AGRI', amount: '3000.00' }], byProjectType: [{ projectType: 'EDUCATION', amount: '3000.00' }] });
    // As it stood before the exit was recorded, and as of 2017: one receipt, still registered.
    const asOf2017 = (await api.as('auditor').get('/households/HH-ZHANG?asOf=2017-06-30').expect(200)).body;
    expect(asOf2017).toMatchObject({ status: 'registered', received: '1000.00' });
    const csv = await api.as('inspector').get('/households/HH-ZHANG?format=csv').expect(200);
    // The household's tables one after another: receipts first (the 明白卡), then members and status history.
    expect(csv.text.startsWith('\ufeff"【到户资金明细】"\r\n"户编号","户主","身份证号","支付编号"')).toBe(true);
    expect(csv.text).toContain('"【家庭成员】"');
    expect(csv.text).toContain('"EDU-ZHANG-2018","支付","2000.00","2018-03-05"');
    const villageCsv = await api.as('village').get('/households/HH-ZHANG?format=csv').expect(200);
    expect(villageCsv.text).not.toContain(testIdNumber('1970-01-01', 10));
    // A lawful erasure blanks the numbers in the vault; the household, its receipts and their chains stay whole.
    const vault = t.app.get(PersonalDataVault);
    for (const ref of await vault.refsOfHousehold('HH-ZHANG')) expect(await vault.erase(ref, '依法删除申请 2026-001')).toBe(true);
    const erased = (await api.as('inspector').get('/households/HH-ZHANG').expect(200)).body;
    expect(erased.members.map((m: { idNumber: string }) => m.idNumber)).toEqual([expect.stringMatching(/^9901\*{10}/), expect.stringMatching(/^9901\*{10}/)]);
    expect(erased).toMatchObject({ received: '3000.00', status: 'exited' });
    expect(erased.receipts).toHaveLength(2);
    // Identity numbers never enter the event log.
    const log = JSON.stringify((await t.app.get(EventStore).readAll({ maxCount: 100_000 })).map((e) => e.data));
    expect(log).not.toContain(kid);
    expect(log).not.toContain(testIdNumber('1970-01-01', 10));
  });

  describe('bad registrations get a named error with the field and write nothing', () => {
    const base = (over: object) => registerHousehold(t.app, 'HH-BAD', 90, '990101001001', over);
    test.each([
      ['a wrong check digit', { head: { name: '甲', idNumber: testIdNumber('1970-01-01', 90).slice(0, 17) + (testIdNumber('1970-01-01', 90).endsWith('0') ? '1' : '0') } }, 400, 'invalid_check_digit', 'head.idNumber'],
      ['an impossible birth date', { members: [{ name: '乙', idNumber: testIdNumber('2001-02-30', 91), relation: 'child' }] }, 400, 'invalid_birth_date', 'members[0].idNumber'],
      ['no head', { head: undefined }, 400, 'invalid_field', 'head'],
      ['an unknown cause', { causes: ['LAZINESS'] }, 400, 'invalid_field', 'causes'],
      ['a birth year that contradicts the number', { members: [{ name: '丙', idNumber: testIdNumber('2001-02-03', 92), relation: 'child', birthYear: 2002 }] }, 400, 'birth_year_mismatch', 'members[0].birthYear'],
      ['a village that is a township', { unitCode: '990101001000' }, 422, 'unit_level_not_allowed', 'unitCode'],
    ])('%s', async (_, over, status, code, field) => {
      const before = await t.app.get(EventStore).headPosition();
      const r = await base(over);
      expect({ status: r.status, code: r.body.error?.code, field: r.body.error?.field }).toEqual({ status, code, field });
      expect(await t.app.get(EventStore).headPosition()).toEqual(before);
    });
  });
});
