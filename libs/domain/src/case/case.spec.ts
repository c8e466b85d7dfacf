import { describe, expect, test } from '@jest/globals';
import { caseDecider, isOverdue, type CaseActor, type CaseEvent, type CaseOpened, type FundsRecovered, type LedgerFacts, type OpenCase } from './case';
import { fundBatchDecider, type FundBatchEvent } from '../fund-batch/fund-batch';
import { paymentDecider, type PaymentEvent } from '../payment/payment';
import { specFor } from '../testing/given-when-then';

const spec = specFor(caseDecider);
const COUNTY = '990101000000';
const VILLAGE = '990101001001';
const ming: CaseActor = { id: 'insp-ming', home: '990102000000' };
const hong: CaseActor = { id: 'insp-hong', home: '990103000000' };
const local: CaseActor = { id: 'insp-local', home: COUNTY };
const alert = { alertId: 'R-35.payment.P1', ruleId: 'R-35', unitCode: VILLAGE, severity: 'orange' };

const opening: CaseOpened['data'] = {
  caseId: 'C1', title: '现金发放到户补贴', source: 'alert', subjectUnitCode: COUNTY, alertIds: [alert.alertId], crossInspection: true, dueDate: '2018-06-30',
  openedBy: ming.id, effectiveDate: '2018-03-01' };
const opened: CaseEvent = { type: 'CaseOpened', data: opening };
const finding = { caseId: 'C1', findingId: 'F1', findingType: 'FRAUDULENT_CLAIM' as const, description: '冒领到户补贴', amountFen: '100000', responsiblePersons: ['王某'],
  recordedBy: ming.id, effectiveDate: '2018-03-10' };
const found: CaseEvent = { type: 'CaseFindingRecorded', data: finding };

/** A payment of 1,000 元 in the village, executed and reversed on 2018-04-01. */
const paymentHistory: PaymentEvent[] = [
  { type: 'PaymentRequested', data: { paymentId: 'P1', projectId: 'PRJ', allocationId: 'AL', batchId: 'B1', unitCode: VILLAGE,
    payee: { type: 'household', id: 'H1', name: '户主', accountRef: 'a', accountMasked: '***1' }, amountFen: '100000', purpose: '补贴', installment: 'single',
    effectiveDate: '2018-01-10', requestedBy: 'fin' } as never },
  { type: 'PaymentApproved', data: { paymentId: 'P1', approvedBy: 'appr', comment: '', effectiveDate: '2018-01-11' } },
  { type: 'PaymentExecuted', data: { paymentId: 'P1', channel: 'cash', bankReference: 'X', effectiveDate: '2018-01-12', amountFen: '100000' } },
  { type: 'PaymentReversed', data: { paymentId: 'P1', reason: '追回', effectiveDate: '2018-04-01', documentNo: '追字1号', amountFen: '100000' } },
];
const fold = <S, E>(d: { initialState: () => S; evolve: (s: S, e: E) => S }, events: E[]) => events.reduce(d.evolve, d.initialState());
const ledger = (payment: PaymentEvent[] = paymentHistory): LedgerFacts => ({ payments: { P1: fold(paymentDecider, payment) }, batches: {} });
const recovery = (over: Partial<FundsRecovered> = {}): FundsRecovered => ({
  caseId: 'C1', rectificationId: 'R1', kind: 'funds_recovered', findingId: 'F1', description: '追回冒领资金', recordedBy: ming.id, effectiveDate: '2018-04-02',
  amountFen: '100000', paymentIds: ['P1'], returns: [], ...over });
const recovered: CaseEvent = { type: 'CaseRectificationRecorded', data: recovery() };
const proposal = { caseId: 'C1', proposedBy: ming.id, comment: '整改完毕', shortfalls: [], effectiveDate: '2018-04-10' };
const proposed: CaseEvent = { type: 'CaseClosureProposed', data: proposal };

describe('opening a case (线上预警 → 立案)', () => {
  test('from an alert in the subject region', () => {
    spec([]).when({ type: 'OpenCase', opening, actor: ming, alerts: { [alert.alertId]: alert } }).then([opened]);
    // The same command again answers as the first time; another body under the same id is a conflict.
    spec([opened]).when({ type: 'OpenCase', opening, actor: ming, alerts: { [alert.alertId]: alert } }).then([]);
    spec([opened]).when({ type: 'OpenCase', opening: { ...opening, title: '另一案' }, actor: ming, alerts: { [alert.alertId]: alert } })
      .thenRejects('id_reused_with_different_payload', 'caseId');
  });
  test.each([
    ['an unknown alert', {}, {}, 'alert_not_found', 'alertIds[0]'],
    ['an alert outside the subject', {}, { [alert.alertId]: { ...alert, unitCode: '990102001001' } }, 'alert_outside_subject', 'alertIds[0]'],
    ['no alert on an alert case', { alertIds: [] }, {}, 'alert_required', 'alertIds'],
    ['an alert named twice', { alertIds: [alert.alertId, alert.alertId] }, { [alert.alertId]: alert }, 'duplicate_alert', 'alertIds[1]'],
    ['a deadline before the opening', { dueDate: '2018-02-28' }, { [alert.alertId]: alert }, 'due_before_opened', 'dueDate'],
  ])('%s is refused', (_, over, alerts, code, field) => {
    spec([]).when({ type: 'OpenCase', opening: { ...opening, ...over }, actor: ming, alerts }).thenRejects(code, field);
  });
  test('a complaint or an inspection may name no alert', () => {
    const o = { ...opening, source: 'complaint' as const, alertIds: [] };
    spec([]).when({ type: 'OpenCase', opening: o, actor: ming, alerts: {} }).then([{ type: 'CaseOpened', data: o }]);
  });
  test('异地交叉 (R-30): nobody from the subject county, nor from a unit containing it, opens a cross-inspection case', () => {
    spec([]).when({ type: 'OpenCase', opening, actor: local, alerts: { [alert.alertId]: alert } }).thenRejects('cross_inspection_own_county');
    spec([]).when({ type: 'OpenCase', opening, actor: { id: 'city', home: '990100000000' }, alerts: { [alert.alertId]: alert } }).thenRejects('cross_inspection_own_county');
    // A subject village inside the inspector's home county, and a subject city containing it.
    spec([]).when({ type: 'OpenCase', opening: { ...opening, subjectUnitCode: VILLAGE }, actor: local, alerts: { [alert.alertId]: alert } }).thenRejects('cross_inspection_own_county');
    spec([]).when({ type: 'OpenCase', opening: { ...opening, subjectUnitCode: '990100000000' }, actor: ming, alerts: { [alert.alertId]: alert } }).thenRejects('cross_inspection_own_county');
    // Not a cross-inspection case: the local inspector may.
    const o = { ...opening, crossInspection: false, openedBy: local.id };
    spec([]).when({ type: 'OpenCase', opening: o, actor: local, alerts: { [alert.alertId]: alert } }).then([{ type: 'CaseOpened', data: o }]);
  });
});

describe('verification and rectification (核实, 整改)', () => {
  test('a finding moves the case to verifying, a rectification to rectifying', () => {
    spec([opened]).when({ type: 'RecordFinding', finding, actor: ming }).then([found]);
    spec([opened, found]).when({ type: 'RecordFinding', finding, actor: ming }).then([]);
    spec([opened, found]).when({ type: 'RecordFinding', finding: { ...finding, description: 'x' }, actor: ming }).thenRejects('id_reused_with_different_payload', 'findingId');
    const fold2 = (events: CaseEvent[]) => fold(caseDecider, events) as OpenCase;
    expect(fold2([opened]).status).toBe('open');
    expect(fold2([opened, found]).status).toBe('verifying');
    expect(fold2([opened, found, recovered]).status).toBe('rectifying');
  });
  test('no step is dated before the one before it, and the local inspector may not act on a cross case', () => {
    spec([opened]).when({ type: 'RecordFinding', finding: { ...finding, effectiveDate: '2018-02-01' }, actor: ming }).thenRejects('date_before_previous_step', 'effectiveDate');
    spec([opened]).when({ type: 'RecordFinding', finding, actor: local }).thenRejects('cross_inspection_own_county');
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery({ effectiveDate: '2018-03-09' }), actor: ming, ledger: ledger() })
      .thenRejects('date_before_previous_step');
  });
  test('money recovered is a reversal in the ledger, in the subject region, made by the rectification date', () => {
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery(), actor: ming, ledger: ledger() }).then([recovered]);
    spec([opened, found, recovered]).when({ type: 'RecordRectification', rectification: recovery(), actor: ming, ledger: ledger() }).then([]);
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery(), actor: ming, ledger: ledger(paymentHistory.slice(0, 3)) })
      .thenRejects('recovery_payment_not_reversed', 'paymentIds[0]');
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery({ paymentIds: ['P9'] }), actor: ming, ledger: ledger() })
      .thenRejects('recovery_payment_not_found', 'paymentIds[0]');
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery({ effectiveDate: '2018-03-20' }), actor: ming, ledger: ledger() })
      .thenRejects('recovery_after_rectification', 'paymentIds[0]');
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery({ amountFen: '100001' }), actor: ming, ledger: ledger() })
      .thenRejects('recovery_exceeds_ledger', 'amount');
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery({ paymentIds: [] }), actor: ming, ledger: ledger() })
      .thenRejects('recovery_reference_required');
    spec([opened, found]).when({ type: 'RecordRectification', rectification: recovery({ findingId: null }), actor: ming, ledger: ledger() }).thenRejects('finding_required');
    spec([opened]).when({ type: 'RecordRectification', rectification: recovery(), actor: ming, ledger: ledger() }).thenRejects('no_findings_yet');
    // Counted once in a case.
    spec([opened, found, recovered]).when({ type: 'RecordRectification', rectification: recovery({ rectificationId: 'R2', amountFen: '1' }), actor: ming, ledger: ledger() })
      .thenRejects('recovery_already_counted', 'paymentIds[0]');
    // Never more than the finding's amount.
    const small: CaseEvent = { type: 'CaseFindingRecorded', data: { ...finding, amountFen: '50000' } };
    spec([opened, small]).when({ type: 'RecordRectification', rectification: recovery(), actor: ming, ledger: ledger() }).thenRejects('recovery_exceeds_finding', 'amount');
  });
  test('a return of a batch counts as money recovered, read from the batch', () => {
    const batch: FundBatchEvent[] = [
      { type: 'FundBatchIssued', data: { batchId: 'B1', recipientUnitCode: COUNTY, amountFen: '1000000', effectiveDate: '2018-01-01' } as never },
      { type: 'FundsReturned', data: { batchId: 'B1', returnId: 'RT1', amountFen: '100000', reason: '收回', effectiveDate: '2018-03-30' } as never },
    ];
    const facts: LedgerFacts = { payments: {}, batches: { B1: fold(fundBatchDecider, batch) } };
    const r = recovery({ paymentIds: [], returns: [{ batchId: 'B1', returnId: 'RT1' }] });
    spec([opened, found]).when({ type: 'RecordRectification', rectification: r, actor: ming, ledger: facts }).then([{ type: 'CaseRectificationRecorded', data: r }]);
    spec([opened, found]).when({ type: 'RecordRectification', rectification: { ...r, returns: [{ batchId: 'B1', returnId: 'RT9' }] }, actor: ming, ledger: facts })
      .thenRejects('recovery_return_not_found', 'returns[0].returnId');
  });
  test('accountability names the person and the measure', () => {
    const r = { caseId: 'C1', rectificationId: 'R3', kind: 'accountability' as const, findingId: 'F1', description: '', recordedBy: ming.id, effectiveDate: '2018-03-15',
      personName: '王某', measure: 'SERIOUS_WARNING' as const };
    spec([opened, found]).when({ type: 'RecordRectification', rectification: r, actor: ming, ledger: ledger() }).then([{ type: 'CaseRectificationRecorded', data: r }]);
    spec([opened, found]).when({ type: 'RecordRectification', rectification: { ...r, findingId: 'F9' }, actor: ming, ledger: ledger() }).thenRejects('finding_not_found');
  });
});

describe('closure (销号) by two inspectors', () => {
  test('closure needs a finding, and every amount found recovered or a note why not', () => {
    spec([opened]).when({ type: 'ProposeClosure', proposal, actor: ming }).thenRejects('no_findings_yet');
    spec([opened, found]).when({ type: 'ProposeClosure', proposal, actor: ming }).thenRejects('recovery_incomplete', 'shortfalls');
    const noted = { ...proposal, shortfalls: [{ findingId: 'F1', note: '当事人已死亡，无法追回' }] };
    spec([opened, found]).when({ type: 'ProposeClosure', proposal: noted, actor: ming }).then([{ type: 'CaseClosureProposed', data: noted }]);
    spec([opened, found]).when({ type: 'ProposeClosure', proposal: { ...noted, shortfalls: [{ findingId: 'F9', note: 'x' }] }, actor: ming })
      .thenRejects('finding_not_found', 'shortfalls[0].findingId');
    spec([opened, found, recovered]).when({ type: 'ProposeClosure', proposal, actor: ming }).then([proposed]);
  });
  test('the proposer may not confirm; a second inspector does, once', () => {
    const given = [opened, found, recovered, proposed];
    spec(given).when({ type: 'ConfirmClosure', confirmed: true, comment: '', effectiveDate: '2018-04-11', actor: ming }).thenRejects('confirmer_is_proposer');
    const closed: CaseEvent = { type: 'CaseClosed', data: { caseId: 'C1', proposedBy: ming.id, confirmedBy: hong.id, comment: '同意销号', effectiveDate: '2018-04-11' } };
    spec(given).when({ type: 'ConfirmClosure', confirmed: true, comment: '同意销号', effectiveDate: '2018-04-11', actor: hong }).then([closed]);
    spec([...given, closed]).when({ type: 'ConfirmClosure', confirmed: true, comment: '同意销号', effectiveDate: '2018-04-11', actor: hong }).then([]);
    spec([...given, closed]).when({ type: 'ConfirmClosure', confirmed: true, comment: '', effectiveDate: '2018-04-12', actor: { id: 'third', home: '990104000000' } })
      .thenRejects('case_closed');
    spec([...given, closed]).when({ type: 'RecordFinding', finding: { ...finding, findingId: 'F2', effectiveDate: '2018-05-01' }, actor: hong }).thenRejects('case_closed');
    spec(given).when({ type: 'ConfirmClosure', confirmed: true, comment: '', effectiveDate: '2018-04-11', actor: local }).thenRejects('cross_inspection_own_county');
    spec([opened, found]).when({ type: 'ConfirmClosure', confirmed: true, comment: '', effectiveDate: '2018-04-11', actor: hong }).thenRejects('closure_not_proposed');
  });
  test('a refusal sends the case back to where it was, and it may be proposed again', () => {
    const refused: CaseEvent = { type: 'CaseClosureRefused', data: { caseId: 'C1', proposedBy: ming.id, refusedBy: hong.id, comment: '问责未落实', effectiveDate: '2018-04-11' } };
    const given = [opened, found, recovered, proposed];
    spec(given).when({ type: 'ConfirmClosure', confirmed: false, comment: '问责未落实', effectiveDate: '2018-04-11', actor: hong }).then([refused]);
    spec([...given, refused]).when({ type: 'ConfirmClosure', confirmed: false, comment: '问责未落实', effectiveDate: '2018-04-11', actor: hong }).then([]);
    const s = fold(caseDecider, [...given, refused]) as OpenCase;
    expect(s.status).toBe('rectifying');
    spec(given).when({ type: 'RecordFinding', finding: { ...finding, findingId: 'F2' }, actor: ming }).thenRejects('closure_pending');
    spec([...given, refused]).when({ type: 'ProposeClosure', proposal: { ...proposal, effectiveDate: '2018-04-20' }, actor: ming })
      .then([{ type: 'CaseClosureProposed', data: { ...proposal, effectiveDate: '2018-04-20' } }]);
  });
  test('overdue: not closed and past its deadline', () => {
    const s = fold(caseDecider, [opened, found]) as OpenCase;
    expect(isOverdue(s, '2018-06-30')).toBe(false);
    expect(isOverdue(s, '2018-07-01')).toBe(true);
  });
});
