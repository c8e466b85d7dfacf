import { describe, expect, test } from '@jest/globals';
import { fundBatchDecider, type FundBatchEvent, type FundBatchState } from '../fund-batch/fund-batch';
import { householdDecider, type HouseholdEvent, type HouseholdState } from '../household/household';
import { paymentDecider, type PaymentState } from '../payment/payment';
import { DEFAULT_PAYMENT_RULES } from '../project/payment-rules';
import { projectDecider, type ProjectEvent, type ProjectState } from '../project/project';
import { Rejection } from '../rejection';
import { decideAllocationToBatch, decidePaymentDecision, decideRequestPayment, type PaymentBoundary, type RequestPaymentCommand } from './ledger-decisions';

const fold = <S, E>(d: { initialState: () => S; evolve: (s: S, e: E) => S }, events: E[]) => events.reduce(d.evolve, d.initialState());

const issuedB1: FundBatchEvent = { type: 'FundBatchIssued', data: { batchId: 'B1', parentBatchId: null, allocationId: null, rootBatchId: 'B1', rootDocumentNo: 'D1',
  documentNo: 'D1', title: '县级资金', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY', recipientUnitCode: '990101000000', fiscalYear: 2016, purpose: '教育',
  countsTowardHouseholdShare: true, amountFen: '1000000', effectiveDate: '2016-01-05' } };
const batchAllocatingOn = (date: string): FundBatchState => fold(fundBatchDecider, [issuedB1,
  { type: 'FundsAllocated', data: { batchId: 'B1', allocationId: 'A1', target: { type: 'project', projectId: 'EDU' }, amountFen: '1000000', effectiveDate: date,
    documentNo: 'D2', rootBatchId: 'B1', source: 'COUNTY_BUDGET', fiscalYear: 2016, purpose: '教育' } },
] as FundBatchEvent[]);
const batch = batchAllocatingOn('2016-08-05');
const milestone = (kind: string, date: string, extra: object = {}): ProjectEvent => ({ type: 'ProjectMilestoneRecorded',
  data: { projectId: 'EDU', milestoneId: kind, kind: kind as never, date, percentComplete: null, result: null, publicUntil: null, documentNo: null, note: null, ...extra } });
/** A township's education programme, approved, its list publicized for a week, funded on 08-05. */
const project: ProjectState = fold(projectDecider, [
  { type: 'ProjectProposed', data: { projectId: 'EDU', name: '学生资助', type: 'EDUCATION', unitCode: '990101001000', implementer: '教育局', budgetFen: '1000000',
    plannedStart: '2016-08-01', plannedEnd: '2016-12-31' } },
  milestone('approved', '2016-08-01', { documentNo: 'D3' }),
  milestone('publicized', '2016-08-02', { publicUntil: '2016-08-09' }),
  { type: 'ProjectFundsCommitted', data: { projectId: 'EDU', allocationId: 'A1', batchId: 'B1', rootBatchId: 'B1', source: 'COUNTY_BUDGET', amountFen: '1000000',
    effectiveDate: '2016-08-05' } },
]);
const household = (unitCode: string): HouseholdState => fold(householdDecider, [{ type: 'HouseholdRegistered', data: { householdId: 'H1', unitCode,
  members: [{ name: '户主', idRef: 'pii:1', idMasked: '9901**', birthYear: 1970, relation: 'head' }], category: 'general', causes: ['ILLNESS'], registeredOn: '2015-10-01' } }] as HouseholdEvent[]);

const command = (over: Partial<RequestPaymentCommand['request']> = {}): RequestPaymentCommand => ({
  request: { paymentId: 'PAY1', projectId: 'EDU', allocationId: 'A1', payee: { type: 'household', id: 'H1', name: '户主', accountRef: 'pii:a', accountMasked: '****1' },
    amountFen: '100000', purpose: '生活补助', installment: 'single', effectiveDate: '2016-09-15', requestedBy: 'clerk', ...over },
  rules: DEFAULT_PAYMENT_RULES[0],
});
const states = (h: HouseholdState, payment: PaymentState = { status: 'none' }): PaymentBoundary => ({ payment, batch, project, household: h });
const refusal = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return (e as Rejection).code;
  }
};

describe('a payment request decided over its payment, batch, project and payee household', () => {
  test('writes the request, the hold and the claim together, each to its own stream', () => {
    const out = decideRequestPayment(command(), states(household('990101001001')));
    expect(out.payment?.map((e) => e.type)).toEqual(['PaymentRequested']);
    expect(out.batch?.map((e) => e.type)).toEqual(['FundsHeld']);
    expect(out.project).toEqual([{ type: 'ProjectPaymentClaimed', data: { projectId: 'EDU', paymentId: 'PAY1', allocationId: 'A1', batchId: 'B1', amountFen: '100000',
      installment: 'single', effectiveDate: '2016-09-15' } }]);
    // The household is read, never written: money received is indexed per household by the projections.
    expect(out).not.toHaveProperty('household');
  });
  test('a household of another area is refused; one inside the project’s area is paid', () => {
    expect(refusal(() => decideRequestPayment(command(), states(household('990101002001'))))).toBe('payee_household_outside_project');
    expect(refusal(() => decideRequestPayment(command(), states(household('990101001009'))))).toBe('accepted');
  });
  test('nothing is paid before the money was allocated to the project', () => {
    const late = { ...states(household('990101001001')), batch: batchAllocatingOn('2016-09-20') };
    expect(refusal(() => decideRequestPayment(command({ effectiveDate: '2016-09-15' }), late))).toBe('date_before_allocation');
    expect(refusal(() => decideRequestPayment(command({ effectiveDate: '2016-09-20' }), late))).toBe('accepted');
  });
  test('the same request again decides nothing; another body under its id is a conflict', () => {
    const h = household('990101001001');
    const requested = decideRequestPayment(command(), states(h)).payment!;
    const payment = fold(paymentDecider, requested);
    expect(decideRequestPayment(command(), states(h, payment))).toEqual({});
    expect(refusal(() => decideRequestPayment(command({ amountFen: '100001' }), states(h, payment)))).toBe('id_reused_with_different_payload');
  });
  test('an approval changes the payment only; a rejection also releases the hold and the claim', () => {
    const h = household('990101001001');
    const out = decideRequestPayment(command(), states(h));
    const after: PaymentBoundary = {
      payment: fold(paymentDecider, out.payment!), batch: out.batch!.reduce(fundBatchDecider.evolve, batch),
      project: out.project!.reduce(projectDecider.evolve, project), household: h,
    };
    const decision = { comment: '', approver: 'boss', effectiveDate: '2016-09-16' };
    expect(Object.keys(decidePaymentDecision({ ...decision, approved: true }, after))).toEqual(['payment']);
    const rejected = decidePaymentDecision({ ...decision, approved: false }, after);
    expect([rejected.payment, rejected.batch, rejected.project].map((es) => es?.map((e) => e.type))).toEqual([['PaymentRejected'], ['HoldReleased'], ['ProjectPaymentClaimReleased']]);
  });
});

describe('an allocation to a new child batch, decided over parent and child', () => {
  const parent: FundBatchState = fold(fundBatchDecider, [issuedB1]);
  const allocation = { allocationId: 'A2', target: { type: 'batch' as const, batchId: 'C1', recipientUnitCode: '990101001000' }, amount: 1000n, effectiveDate: '2016-02-01', documentNo: 'D4' };
  test('moves the money out of the parent and into the child in one decision', () => {
    const out = decideAllocationToBatch(allocation, { parent, child: { status: 'none' } });
    expect([out.parent?.map((e) => e.type), out.child?.map((e) => e.type)]).toEqual([['FundsAllocated'], ['FundBatchIssued']]);
  });
  test('a child id already taken by another allocation refuses the whole command', () => {
    const taken = fold(fundBatchDecider, [{ type: 'FundBatchIssued', data: { ...issuedB1.data, batchId: 'C1', parentBatchId: 'OTHER', allocationId: 'AX' } } as FundBatchEvent]);
    expect(refusal(() => decideAllocationToBatch(allocation, { parent, child: taken }))).toBe('batch_id_taken');
  });
});
