import { describe, test } from '@jest/globals';
import { paymentDecider, type PaymentEvent } from './payment';
import type { PaymentRequestPayload } from '../fund-batch/fund-batch';
import { specFor } from '../testing/given-when-then';

const spec = specFor(paymentDecider);
const request: PaymentRequestPayload = {
  paymentId: 'PAY1', projectId: 'P1', allocationId: 'A1', batchId: 'B1', payee: { type: 'contractor', id: 'C', name: '某公司', accountRef: 'pii:acc1', accountMasked: '****2222' },
  amountFen: '100', purpose: '工程款', installment: 'progress', effectiveDate: '2016-05-01', unitCode: '990101001001', requestedBy: 'clerk',
};
const requested: PaymentEvent = { type: 'PaymentRequested', data: request };
const approved: PaymentEvent = { type: 'PaymentApproved', data: { paymentId: 'PAY1', approvedBy: 'boss', comment: 'ok', effectiveDate: '2016-05-02' } };
const executed: PaymentEvent = { type: 'PaymentExecuted', data: { paymentId: 'PAY1', channel: 'bank_transfer', bankReference: 'BR1', effectiveDate: '2016-05-10', amountFen: '100' } };
const execute = { type: 'Execute' as const, channel: 'bank_transfer' as const, bankReference: 'BR1', effectiveDate: '2016-05-10' };
const reverse = { type: 'Reverse' as const, reason: '追回', effectiveDate: '2016-06-01', documentNo: 'R1' };

describe('payment life cycle', () => {
  test('a request is recorded once', () => {
    spec([]).when({ type: 'RecordRequest', request }).then([requested]);
    spec([requested]).when({ type: 'RecordRequest', request }).then([]);
    spec([requested]).when({ type: 'RecordRequest', request: { ...request, amountFen: '99' } }).thenRejects('id_reused_with_different_payload');
  });
  test('a request read back from jsonb (keys reordered) is still the same request', () => {
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(request).reverse())));
    reordered.payee = Object.fromEntries(Object.entries(request.payee).reverse());
    spec([{ type: 'PaymentRequested', data: reordered }]).when({ type: 'RecordRequest', request }).then([]);
  });
  test('approval by a second person', () => spec([requested]).when({ type: 'Decide', approved: true, comment: 'ok', approver: 'boss', effectiveDate: '2016-05-02' }).then([approved]));
  test('rejection by a second person', () =>
    spec([requested]).when({ type: 'Decide', approved: false, comment: 'no', approver: 'boss', effectiveDate: '2016-05-02' })
      .then([{ type: 'PaymentRejected', data: { paymentId: 'PAY1', rejectedBy: 'boss', comment: 'no', effectiveDate: '2016-05-02' } }]));
  test('the requester may not approve (R-30)', () =>
    spec([requested]).when({ type: 'Decide', approved: true, comment: 'ok', approver: 'clerk', effectiveDate: '2016-05-02' }).thenRejects('approver_is_requester'));
  test('a decision is made once; the same decision again is a no-op', () => {
    spec([requested, approved]).when({ type: 'Decide', approved: true, comment: 'ok', approver: 'boss', effectiveDate: '2016-05-02' }).then([]);
    spec([requested, approved]).when({ type: 'Decide', approved: false, comment: 'no', approver: 'boss', effectiveDate: '2016-05-02' }).thenRejects('payment_already_decided');
  });
  test('execution needs approval first', () => {
    spec([requested]).when(execute).thenRejects('payment_not_approved');
    spec([requested, approved]).when(execute).then([executed]);
    spec([requested, approved, executed]).when(execute).then([]);
    spec([requested, approved, executed]).when({ ...execute, bankReference: 'OTHER' }).thenRejects('payment_already_settled');
  });
  test('a rejected payment cannot be executed or failed', () => {
    const rejected: PaymentEvent = { type: 'PaymentRejected', data: { paymentId: 'PAY1', rejectedBy: 'boss', comment: 'no', effectiveDate: '2016-05-02' } };
    spec([requested, rejected]).when(execute).thenRejects('payment_not_approved');
    spec([requested, rejected]).when({ type: 'Fail', reason: '账户不符', effectiveDate: '2016-05-10' }).thenRejects('payment_not_approved');
  });
  test('the bank returns it (退票)', () =>
    spec([requested, approved]).when({ type: 'Fail', reason: '账户不符', effectiveDate: '2016-05-10' })
      .then([{ type: 'PaymentFailed', data: { paymentId: 'PAY1', reason: '账户不符', effectiveDate: '2016-05-10', amountFen: '100' } }]));
  test('a decision dated before the request, or a settlement dated before the approval, is refused', () => {
    spec([requested]).when({ type: 'Decide', approved: true, comment: 'ok', approver: 'boss', effectiveDate: '2016-04-30' }).thenRejects('date_before_request', 'effectiveDate');
    spec([requested, approved]).when({ ...execute, effectiveDate: '2016-05-01' }).thenRejects('date_before_approval', 'effectiveDate');
    spec([requested, approved]).when({ ...execute, effectiveDate: '2016-05-02' }).then([{ ...executed, data: { ...executed.data, effectiveDate: '2016-05-02' } } as PaymentEvent]);
  });
  test('approval and rejection of one payment are different decisions, with their business date', () => {
    spec([requested]).when({ type: 'Decide', approved: false, comment: 'ok', approver: 'boss', effectiveDate: '2016-05-02' })
      .then([{ type: 'PaymentRejected', data: { paymentId: 'PAY1', rejectedBy: 'boss', comment: 'ok', effectiveDate: '2016-05-02' } }]);
    spec([requested, approved]).when({ type: 'Decide', approved: true, comment: 'ok', approver: 'boss', effectiveDate: '2016-05-03' }).thenRejects('payment_already_decided');
  });
  test('reversal (红冲) only of an executed payment, once', () => {
    spec([requested, approved]).when(reverse).thenRejects('payment_not_executed');
    const reversed: PaymentEvent = { type: 'PaymentReversed', data: { paymentId: 'PAY1', reason: '追回', effectiveDate: '2016-06-01', documentNo: 'R1', amountFen: '100' } };
    spec([requested, approved, executed]).when(reverse).then([reversed]);
    spec([requested, approved, executed, reversed]).when(reverse).then([]);
    spec([requested, approved, executed, reversed]).when({ ...reverse, documentNo: 'R2' }).thenRejects('payment_already_reversed');
    spec([requested, approved, executed]).when({ ...reverse, effectiveDate: '2016-05-01' }).thenRejects('date_before_execution');
  });
  test('commands on a payment that does not exist are refused', () => spec([]).when(execute).thenRejects('payment_not_found'));
});
