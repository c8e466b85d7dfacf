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
  test('the same milestone again is a no-op; its id with other details is refused', () => {
    spec([proposed, recorded(approved)]).when({ type: 'RecordMilestone', milestone: approved }).then([]);
    spec([proposed, recorded(approved)]).when({ type: 'RecordMilestone', milestone: { ...approved, date: '2016-04-11' } }).thenRejects('id_reused_with_different_payload');
  });
});

describe('payments obey the project (R-14)', () => {
  const fold = (events: ProjectEvent[]) => events.reduce(projectDecider.evolve, projectDecider.initialState()) as Extract<ProjectState, { status: 'proposed' }>;
  const rules = DEFAULT_PAYMENT_RULES[0];
  const check = (events: ProjectEvent[], installment: string, yuan: number, totals = { claimed: 0n, advances: 0n }, date = '2016-05-01') => {
    try {
      checkPaymentAgainstProject(fold(events), { installment, amount: BigInt(yuan * 100), effectiveDate: date }, totals, rules);
      return 'ok';
    } catch (e) {
      return (e as Rejection).code;
    }
  };
  test.each([
    [[proposed], 'advance', 1000, undefined, 'project_not_approved'],
    [[proposed, recorded(approved)], 'advance', 114000, undefined, 'ok'],
    [[proposed, recorded(approved)], 'advance', 114000.01, undefined, 'advance_exceeds_limit'],
    [[proposed, recorded(approved)], 'advance', 1, { claimed: 11400000n, advances: 11400000n }, 'advance_exceeds_limit'],
    [[proposed, recorded(approved), recorded(started)], 'advance', 1, undefined, 'advance_after_start'],
    [[proposed, recorded(approved)], 'progress', 1, undefined, 'project_not_started'],
    [[proposed, recorded(approved), recorded(started)], 'progress', 100000, undefined, 'ok'],
    [life, 'final', 1, undefined, 'project_not_accepted'],
    [[...life, recorded(m('accepted', '2016-10-25', { result: 'failed' }))], 'final', 1, undefined, 'project_not_accepted'],
    [[...life, recorded(m('accepted', '2016-10-25', { result: 'passed' }))], 'final', 1000, undefined, 'ok'],
    [[proposed, recorded(approved), recorded(started)], 'progress', 1, { claimed: 38000000n, advances: 0n }, 'exceeds_budget'],
  ] as Array<[ProjectEvent[], string, number, { claimed: bigint; advances: bigint } | undefined, string]>)('%#: %s %s yuan → %s', (events, installment, yuan, totals, expected) => {
    expect(check([...events], installment, yuan, totals ? { ...totals } : undefined)).toBe(expected);
  });
  test('a payment dated before the approval is refused', () => expect(check([proposed, recorded(approved)], 'advance', 1, undefined, '2016-04-01')).toBe('payment_before_approval'));
  test('thresholds are dated: the rule in force on the payment date applies', () => {
    const dated = parsePaymentRules('[{"effectiveFrom":"2014-01-01","advanceMaxPercent":30},{"effectiveFrom":"2018-01-01","advanceMaxPercent":20}]');
    expect(ruleInForce(dated, '2016-06-01').advanceMaxPercent).toBe(30);
    expect(ruleInForce(dated, '2018-06-01').advanceMaxPercent).toBe(20);
    expect(() => ruleInForce(dated, '2013-12-31')).toThrow(/no payment rule/);
    expect(() => parsePaymentRules('[{"effectiveFrom":"2014","advanceMaxPercent":30}]')).toThrow(/effectiveFrom/);
  });
});
