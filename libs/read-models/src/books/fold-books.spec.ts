import { describe, expect, test } from '@jest/globals';
import { foldBooks, type BookEvent } from './fold-books';
import {
  allocationToBatch, allocationToProject, approved, CHILD, executed, failed, held, issueRoot, PAID, PENDING, PROJECT, projectCommitted, rejected, released,
  requested, smallLedger, type LedgerEvent,
} from './testing/small-ledger';

let seq = 0;
const asEvents = (list: LedgerEvent[]): BookEvent[] => list.map((e) => ({ id: `00000000-0000-4000-8000-${(++seq).toString().padStart(12, '0')}`, streamId: e.stream, type: e.type, data: e.data }));
const fold = (...extra: LedgerEvent[]) => foldBooks(asEvents([...smallLedger(), ...extra]));
const codes = (...extra: LedgerEvent[]) => fold(...extra).defects.map((d) => `${d.code} ${d.subject}`).sort();

describe('foldBooks: the books from raw events alone', () => {
  test('a correct ledger: the balances of every account, and no defect', () => {
    const events = asEvents(smallLedger());
    const { balances, defects, legs } = foldBooks(events);
    expect(defects).toEqual([]);
    expect(Object.fromEntries([...balances].filter(([, v]) => v !== 0n))).toEqual({
      external: -999_000n, 'batch:R1': 404_000n, 'batch:C1': 205_000n, 'line:C1:L1': 270_000n, 'hold:C1:L1': 20_000n, 'payee:contractor:K1': 100_000n,
    });
    // The books close: what left the issuer is somewhere in them.
    expect([...balances.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
    // A child's issue, the project's commitment, payment decisions and the parent's receipt of a return move no money of their own.
    expect(events.filter((e) => legs.has(e.id)).map((e) => e.type)).toEqual(['FundBatchIssued', 'FundsAllocated', 'FundsAllocated', 'FundsHeld', 'HoldPosted',
      'FundsHeld', 'HoldReleased', 'FundsHeld', 'HoldPosted', 'PaymentReversalCredited', 'FundsHeld', 'AllocationFundsReturned', 'FundsReturned', 'FundsReturned']);
    expect(legs.get(events[1].id)).toEqual([{ from: 'batch:R1', to: 'batch:C1', amount: 600_000n, rootBatchId: 'R1' }]);
  });

  test('events the write side adds (claims on the project stream, dated decisions) change nothing', () => {
    expect(codes(
      { stream: `project-${PROJECT}`, type: 'ProjectPaymentClaimed',
        data: { projectId: PROJECT, paymentId: 'PAY4', allocationId: 'L1', batchId: CHILD, amountFen: '20000', installment: 'progress', effectiveDate: '2016-04-01' } },
      { stream: `project-${PROJECT}`, type: 'ProjectPaymentClaimReleased',
        data: { projectId: PROJECT, paymentId: 'PAY2', amountFen: '50000', installment: 'progress', reason: 'rejected', effectiveDate: '2016-04-05' } },
      { stream: 'payment-PAY4', type: 'PaymentApproved', data: { paymentId: 'PAY4', approvedBy: 'head-1', comment: 'ok', effectiveDate: '2016-04-03' } },
    )).toEqual([]);
  });

  test('each kind of broken book is named with its subject', () => {
    const seven = { paymentId: 'PAY7', amountFen: 1000n };
    expect(codes(allocationToBatch('R1', 'A9', 'C9', 1000n))).toEqual(['orphan_allocation allocation:R1:A9']);
    expect(codes(allocationToProject(CHILD, 'L9', PROJECT, 1000n))).toEqual(['orphan_allocation allocation:C1:L9']);
    expect(codes(projectCommitted(CHILD, 'L9', PROJECT, 1000n))).toEqual(['orphan_allocation allocation:C1:L9']);
    expect(codes(held(seven))).toEqual(['orphan_hold payment:PAY7']);
    expect(codes(requested(seven))).toEqual(['payment_without_hold payment:PAY7']);
    expect(codes(held(seven), requested({ ...seven, amountFen: 999n }))).toEqual(['orphan_hold payment:PAY7', 'payment_without_hold payment:PAY7']);
    expect(codes(approved(PENDING), executed(PENDING))).toEqual(['hold_state_mismatch payment:PAY4']);
    expect(codes(rejected(PAID))).toEqual(['conflicting_decisions payment:PAY1']);
    expect(codes(failed(PAID))).toEqual(['conflicting_decisions payment:PAY1']);
    const big = { paymentId: 'PAY7', amountFen: 280_000n };
    expect(codes(held(big), requested(big))).toEqual(['overspent_allocation line:C1:L1']);
    expect(codes(allocationToProject(CHILD, 'L8', PROJECT, 210_000n), projectCommitted(CHILD, 'L8', PROJECT, 210_000n))).toEqual(['negative_balance batch:C1']);
    const onL1 = { paymentId: 'PAY6', amountFen: 250_000n }, onL7 = { paymentId: 'PAY5', amountFen: 150_000n, allocationId: 'L7' };
    expect(codes(allocationToProject(CHILD, 'L7', PROJECT, 200_000n), projectCommitted(CHILD, 'L7', PROJECT, 200_000n),
      held(onL1), requested(onL1), held(onL7), requested(onL7))).toEqual(['budget_exceeded project:P1']);
    const advance = { paymentId: 'PAY10', amountFen: 160_000n, installment: 'advance' };
    expect(codes(held(advance), requested(advance))).toEqual(['advance_cap_exceeded project:P1']);
    // Under a rule that allowed 40% the same advance is within its cap.
    expect(codes(held({ ...advance, advanceMaxPercent: 40 }), requested({ ...advance, advanceMaxPercent: 40 }))).toEqual([]);
  });

  test('double entry: a hold released twice drives its account negative; money sent to another appropriation unbalances both', () => {
    expect(codes(released(PENDING), released(PENDING))).toEqual(['hold_state_mismatch payment:PAY4', 'negative_account hold:C1:L1']);
    const crossing: LedgerEvent = { stream: `fundbatch-${CHILD}`, type: 'FundsReturned',
      data: { batchId: CHILD, returnId: 'RET-9', amountFen: '700', reason: 'x', effectiveDate: '2016-06-01', toBatchId: 'R2', allocationId: 'A1' } };
    const { defects } = fold(issueRoot('R2', 50_000n), crossing);
    expect(defects.map((d) => `${d.code} ${d.subject}`).sort()).toEqual(['root_unbalanced root:R1', 'root_unbalanced root:R2']);
    expect(defects.find((d) => d.subject === 'root:R2')!.message).toContain('holds 700 fen more');
  });

  test('an event whose amount is not whole fen is named, not guessed at', () => {
    const bad: LedgerEvent = { stream: 'fundbatch-R1', type: 'FundsReturned',
      data: { batchId: 'R1', returnId: 'RET-8', amountFen: '12.5', reason: 'x', effectiveDate: '2016-06-01', toBatchId: null, allocationId: null } };
    expect(fold(bad).defects.map((d) => d.code)).toEqual(['malformed_event']);
  });
});
