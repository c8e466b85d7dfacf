import { describe, expect, test } from '@jest/globals';
import { checkPaymentAgainstProject, parsePaymentRules, ruleInForce, DEFAULT_PAYMENT_RULES } from './payment-rules';
import { projectDecider, type MilestoneData, type ProjectEvent, type ProjectState } from './project';
import { specFor } from '../testing/given-when-then';
import { Rejection } from '../rejection';

const spec = specFor(projectDecider);
const definition = { projectId: 'P1', name: '机耕道', type: 'ROAD' as const, unitCode: '990101001001', implementer: '村委', budgetFen: '38000000',
  plannedStart: '2016-05-01', plannedEnd: '2016-10-31' };
const proposed: ProjectEvent = { type: 'ProjectProposed', data: definition };
const m = (kind: MilestoneData['kind'], date: string, over: Partial<MilestoneData> = {}): Omit<MilestoneData, 'projectId'> => ({
  milestoneId: `${kind}-${date}`, kind, date, percentComplete: null, result: null, publicUntil: null, documentNo: null, note: null, ...over });
const recorded = (x: Omit<MilestoneData, 'projectId'>): ProjectEvent => ({ type: 'ProjectMilestoneRecorded', data: { projectId: 'P1', ...x } });
const approved = m('approved', '2016-04-10', { documentNo: '县扶办〔2016〕3号' });
const started = m('started', '2016-05-05');
const completed = m('completed', '2016-10-20');
const life = [proposed, recorded(approved), recorded(started), recorded(completed)];

describe('project milestones in their natural order', () => {
  test('approval with its 文号 comes first', () => spec([proposed]).when({ type: 'RecordMilestone', milestone: approved }).then([recorded(approved)]));
  test.each([
    [[proposed], m('started', '2016-05-05'), 'started_before_approved'],
    [[proposed, recorded(approved)], m('progress', '2016-05-05', { percentComplete: 10 }), 'progress_before_started'],
    [[proposed, recorded(approved), recorded(started)], m('accepted', '2016-10-25', { result: 'passed' }), 'accepted_before_completed'],
    [life, m('handed_over', '2016-11-01'), 'handed_over_before_accepted'],
    [[proposed, recorded(approved), recorded(started)], m('started', '2016-05-06'), 'started_after_started'],
    [[...life], m('publicized', '2016-10-21', { publicUntil: '2016-10-28' }), 'publicized_after_started'],
    [[proposed, recorded(approved)], m('started', '2016-04-01'), 'milestone_before_prerequisite'],
    [[proposed, recorded(approved), recorded(started), recorded(m('progress', '2016-06-01', { percentComplete: 50 }))], m('progress', '2016-07-01', { percentComplete: 40 }), 'progress_goes_backwards'],
    [[proposed], m('approved', '2016-04-10'), 'document_required'],
    [[proposed, recorded(approved)], m('publicized', '2016-04-11'), 'public_until_required'],
    [[proposed, recorded(approved)], m('publicized', '2016-04-11', { publicUntil: '2016-04-01' }), 'public_until_before_date'],
    [life, m('accepted', '2016-10-25'), 'result_required'],
    [[proposed, recorded(approved), recorded(started)], m('progress', '2016-06-01', { percentComplete: 101 }), 'invalid_percent'],
    [[], approved, 'project_not_found'],
  ] as Array<[ProjectEvent[], Omit<MilestoneData, 'projectId'>, string]>)('%#: refuses with %s', (given, milestone, code) =>
    spec([...given]).when({ type: 'RecordMilestone', milestone }).thenRejects(code));
  test('a failed acceptance can be followed by a new one; a passed one cannot', () => {
    const failed = recorded(m('accepted', '2016-10-25', { result: 'failed' }));
    const again = m('accepted', '2016-11-05', { result: 'passed' });
    spec([...life, failed]).when({ type: 'RecordMilestone', milestone: again }).then([recorded(again)]);
    spec([...life, failed, recorded(again)]).when({ type: 'RecordMilestone', milestone: m('accepted', '2016-11-06', { result: 'passed' }) }).thenRejects('accepted_after_accepted');
  });
  test('an acceptance or progress report dated before the last of its kind is refused, so the last entered is the latest', () => {
    const failed = recorded(m('accepted', '2016-10-25', { result: 'failed' }));
    spec([...life, failed]).when({ type: 'RecordMilestone', milestone: m('accepted', '2016-10-24', { result: 'passed' }) })
      .thenRejects('milestone_before_previous', 'date');
    const p70 = recorded(m('progress', '2016-06-01', { percentComplete: 70 }));
    spec([proposed, recorded(approved), recorded(started), p70]).when({ type: 'RecordMilestone', milestone: m('progress', '2016-05-31', { percentComplete: 80 }) })
      .thenRejects('milestone_before_previous', 'date');
  });
  test('the same milestone again is a no-op; its id with other details is refused', () => {
    spec([proposed, recorded(approved)]).when({ type: 'RecordMilestone', milestone: approved }).then([]);
    spec([proposed, recorded(approved)]).when({ type: 'RecordMilestone', milestone: { ...approved, date: '2016-04-11' } }).thenRejects('id_reused_with_different_payload');
  });
});

describe('payments obey the project as it stood on their date, by kind of spending (R-10, R-14)', () => {
  const fold = (events: ProjectEvent[]) => events.reduce(projectDecider.evolve, projectDecider.initialState()) as Extract<ProjectState, { status: 'proposed' }>;
  const rules = DEFAULT_PAYMENT_RULES[0];
  const check = (events: ProjectEvent[], installment: string, yuan: number, totals = { claimed: 0n, advances: 0n }, date = '2016-12-31', payeeType = 'contractor') => {
    try {
      checkPaymentAgainstProject(fold(events), { installment, amount: BigInt(Math.round(yuan * 100)), effectiveDate: date, payeeType }, totals, rules);
      return 'ok';
    } catch (e) {
      return (e as Rejection).code;
    }
  };
  const progress = (pct: number, date = '2016-07-01') => recorded(m('progress', date, { percentComplete: pct }));
  const passed = recorded(m('accepted', '2016-10-25', { result: 'passed' }));
  test.each([
    [[proposed], 'advance', 1000, undefined, 'project_not_approved'],
    [[proposed, recorded(approved)], 'advance', 114000, undefined, 'ok'],
    [[proposed, recorded(approved)], 'advance', 114000.01, undefined, 'advance_exceeds_limit'],
    [[proposed, recorded(approved)], 'advance', 1, { claimed: 11400000n, advances: 11400000n }, 'advance_exceeds_limit'],
    [[proposed, recorded(approved), recorded(started)], 'advance', 1, undefined, 'advance_after_start'],
    [[proposed, recorded(approved)], 'progress', 1, undefined, 'project_not_started'],
    // progress is paid only up to the last reported share of the budget
    [[proposed, recorded(approved), recorded(started)], 'progress', 1, undefined, 'exceeds_progress'],
    [[proposed, recorded(approved), recorded(started), progress(50)], 'progress', 190000, undefined, 'ok'],
    [[proposed, recorded(approved), recorded(started), progress(50)], 'progress', 190000.01, undefined, 'exceeds_progress'],
    [[proposed, recorded(approved), recorded(started), progress(50)], 'progress', 1, { claimed: 19000000n, advances: 0n }, 'exceeds_progress'],
    [life, 'final', 1, undefined, 'project_not_accepted'],
    [[...life, recorded(m('accepted', '2016-10-25', { result: 'failed' }))], 'final', 1, undefined, 'project_not_accepted'],
    [[...life, passed], 'final', 1000, undefined, 'ok'],
    // a single payment to a works project is a final payment too: only after a passed 验收
    [[proposed, recorded(approved)], 'single', 1000, undefined, 'project_not_accepted'],
    [[...life, passed], 'single', 1000, undefined, 'ok'],
    [[...life, passed], 'final', 1, { claimed: 38000000n, advances: 0n }, 'exceeds_budget'],
    [[...life, passed], 'instalment', 1, undefined, 'unknown_installment'],
  ] as Array<[ProjectEvent[], string, number, { claimed: bigint; advances: bigint } | undefined, string]>)('%#: %s %s yuan → %s', (events, installment, yuan, totals, expected) => {
    expect(check([...events], installment, yuan, totals ? { ...totals } : undefined)).toBe(expected);
  });
  test('a payment dated before the approval is refused', () => expect(check([proposed, recorded(approved)], 'advance', 1, undefined, '2016-04-01')).toBe('payment_before_approval'));
  test('milestones count only if dated on or before the payment, whenever they were entered', () => {
    const accepted = [...life, passed];
    // a final payment dated before the acceptance, entered after it was recorded
    expect(check(accepted, 'final', 1000, undefined, '2016-10-24')).toBe('project_not_accepted');
    expect(check(accepted, 'final', 1000, undefined, '2016-10-25')).toBe('ok');
    // an advance dated before the start, entered after the start was recorded
    expect(check([proposed, recorded(approved), recorded(started)], 'advance', 1000, undefined, '2016-05-04')).toBe('ok');
    expect(check([proposed, recorded(approved), recorded(started)], 'advance', 1000, undefined, '2016-05-05')).toBe('advance_after_start');
    // progress reported later does not count for an earlier payment
    expect(check([proposed, recorded(approved), recorded(started), progress(50, '2016-07-01')], 'progress', 1000, undefined, '2016-06-30')).toBe('exceeds_progress');
  });
  describe('household-benefit programmes', () => {
    const programme: ProjectEvent = { type: 'ProjectProposed', data: { ...definition, projectId: 'P1', type: 'EDUCATION' } };
    const notice = (date: string, until: string) => recorded(m('publicized', date, { publicUntil: until }));
    const base = [programme, recorded(approved)];
    test.each([
      [base, 'household', 'single', '2016-09-15', 'publicity_not_completed'],
      [[...base, notice('2016-09-01', '2016-09-07')], 'household', 'single', '2016-09-15', 'ok'],
      // the notice must have ended: paying on its last day is too early
      [[...base, notice('2016-09-01', '2016-09-15')], 'household', 'single', '2016-09-15', 'publicity_not_completed'],
      // six days is short of the week R-10 asks
      [[...base, notice('2016-09-01', '2016-09-06')], 'household', 'single', '2016-09-15', 'publicity_too_short'],
      [[...base, notice('2016-09-01', '2016-09-07')], 'person', 'single', '2016-09-15', 'benefit_payee_not_household'],
      [[...base, notice('2016-09-01', '2016-09-07')], 'household', 'progress', '2016-09-15', 'installment_not_for_programme'],
    ] as Array<[ProjectEvent[], string, string, string, string]>)('%#: %s %s on %s → %s', (events, payeeType, installment, date, expected) => {
      expect(check(events, installment, 1000, undefined, date, payeeType)).toBe(expected);
    });
  });
  test('thresholds are dated: the rule in force on the payment date applies', () => {
    const dated = parsePaymentRules('[{"effectiveFrom":"2014-01-01","advanceMaxPercent":30},{"effectiveFrom":"2018-01-01","advanceMaxPercent":20,"publicityMinDays":10}]');
    expect(ruleInForce(dated, '2016-06-01')).toEqual({ effectiveFrom: '2014-01-01', advanceMaxPercent: 30, publicityMinDays: 7 });
    expect(ruleInForce(dated, '2018-06-01')).toEqual({ effectiveFrom: '2018-01-01', advanceMaxPercent: 20, publicityMinDays: 10 });
    expect(() => ruleInForce(dated, '2013-12-31')).toThrow(/no payment rule/);
    expect(() => parsePaymentRules('[{"effectiveFrom":"2014","advanceMaxPercent":30}]')).toThrow(/effectiveFrom/);
    expect(() => parsePaymentRules('[{"effectiveFrom":"2014-01-01","advanceMaxPercent":30,"publicityMinDays":0}]')).toThrow(/publicityMinDays/);
  });
});
