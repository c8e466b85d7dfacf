import { describe, expect, test } from '@jest/globals';
import { batchIdentityBreaks } from '../figures/figures';
import { batchFigures, fundBatchDecider, type BatchHeader, type FundBatchEvent, type OpenBatch, type PaymentRequestPayload } from './fund-batch';
import { specFor } from '../testing/given-when-then';

const spec = specFor(fundBatchDecider);
const header: BatchHeader = {
  batchId: 'B1', parentBatchId: null, allocationId: null, rootBatchId: 'B1', rootDocumentNo: '财农〔2016〕1号', documentNo: '财农〔2016〕1号',
  title: '中央财政专项扶贫资金', source: 'CENTRAL_SPECIAL_POVERTY', issuerLevel: 'CENTRAL', recipientUnitCode: '990000000000',
  fiscalYear: 2016, purpose: '小型公益设施建设', countsTowardHouseholdShare: true, amountFen: '100000', effectiveDate: '2016-03-01',
};
const issued: FundBatchEvent = { type: 'FundBatchIssued', data: header };
const toProject = (allocationId: string, amountFen: string, projectId = 'P1'): FundBatchEvent => ({
  type: 'FundsAllocated',
  data: { batchId: 'B1', allocationId, target: { type: 'project', projectId }, amountFen, effectiveDate: '2016-04-01', documentNo: 'D2',
    rootBatchId: 'B1', source: 'CENTRAL_SPECIAL_POVERTY', fiscalYear: 2016, purpose: '小型公益设施建设' },
});
const toChild = (allocationId: string, amountFen: string): FundBatchEvent => ({
  type: 'FundsAllocated',
  data: { batchId: 'B1', allocationId, target: { type: 'batch', batchId: 'C1', recipientUnitCode: '990100000000' }, amountFen,
    effectiveDate: '2016-04-01', documentNo: 'D3', rootBatchId: 'B1', source: 'CENTRAL_SPECIAL_POVERTY', fiscalYear: 2016, purpose: '小型公益设施建设' },
});
const request = (paymentId: string, amountFen: string, allocationId = 'A1', projectId = 'P1'): PaymentRequestPayload => ({
  paymentId, projectId, allocationId, batchId: 'B1', payee: { type: 'contractor', id: 'C', name: '某建筑公司', accountRef: 'pii:acc1', accountMasked: '****2222' },
  amountFen, purpose: '工程款', installment: 'progress', effectiveDate: '2016-05-01', unitCode: '990101001001', requestedBy: 'clerk',
});
const held = (paymentId: string, amountFen: string): FundBatchEvent => ({
  type: 'FundsHeld', data: { batchId: 'B1', allocationId: 'A1', paymentId, amountFen, effectiveDate: '2016-05-01', request: request(paymentId, amountFen) },
});
const hold = (paymentId: string, amountFen: string) => ({ type: 'Hold' as const, request: request(paymentId, amountFen) });

describe('fund batch: issue', () => {
  test('a new batch is issued', () => spec([]).when({ type: 'IssueBatch', header }).then([issued]));
  test('the same batch again is a no-op', () => spec([issued]).when({ type: 'IssueBatch', header }).then([]));
  test('the same id with other details is refused', () =>
    spec([issued]).when({ type: 'IssueBatch', header: { ...header, amountFen: '1' } }).thenRejects('id_reused_with_different_payload', 'batchId'));
});

describe('fund batch: allocate', () => {
  const allocate = (allocationId: string, amount: bigint, target = { type: 'project' as const, projectId: 'P1' }) => ({
    type: 'Allocate' as const, allocationId, target, amount, effectiveDate: '2016-04-01', documentNo: 'D2',
  });
  test('to a project, within the balance', () => spec([issued]).when(allocate('A1', 60000n)).then([toProject('A1', '60000')]));
  test('to a child batch', () =>
    spec([issued]).when({ ...allocate('A2', 100000n, { type: 'batch', batchId: 'C1', recipientUnitCode: '990100000000' } as never), documentNo: 'D3' })
      .then([toChild('A2', '100000')]));
  test('beyond the balance is refused', () => spec([issued, toProject('A1', '60000')]).when(allocate('A2', 40001n)).thenRejects('insufficient_balance', 'amount'));
  test('a repeated allocation is a no-op', () => spec([issued, toProject('A1', '60000')]).when(allocate('A1', 60000n)).then([]));
  test('a reused allocation id with another amount is refused', () =>
    spec([issued, toProject('A1', '60000')]).when(allocate('A1', 1n)).thenRejects('id_reused_with_different_payload'));
  test('to itself is refused', () =>
    spec([issued]).when(allocate('A1', 1n, { type: 'batch', batchId: 'B1', recipientUnitCode: '990000000000' } as never)).thenRejects('allocation_to_itself'));
  test('dated before the batch is refused', () =>
    spec([issued]).when({ ...allocate('A1', 1n), effectiveDate: '2016-01-01' }).thenRejects('date_before_batch', 'effectiveDate'));
  test('from a batch that does not exist is refused', () => spec([]).when(allocate('A1', 1n)).thenRejects('batch_not_found'));
  test('from a closed batch is refused', () =>
    spec([issued, { type: 'FundBatchClosed', data: { batchId: 'B1', balanceFen: '100000', effectiveDate: '2016-12-31' } }])
      .when(allocate('A1', 1n)).thenRejects('batch_closed'));
});

describe('fund batch: holds for payments', () => {
  const base = [issued, toProject('A1', '60000')];
  test('a hold within the allocation', () => spec(base).when(hold('PAY1', '50000')).then([held('PAY1', '50000')]));
  test('a hold beyond what the allocation has left is refused', () =>
    spec([...base, held('PAY1', '50000')]).when(hold('PAY2', '10001')).thenRejects('insufficient_balance'));
  test('a hold on an allocation made to another project is refused', () =>
    spec(base).when({ type: 'Hold', request: request('PAY1', '1', 'A1', 'P2') }).thenRejects('allocation_not_for_project', 'allocationId'));
  test('a hold on an allocation to a child batch is refused', () =>
    spec([issued, toChild('A2', '1000')]).when({ type: 'Hold', request: request('PAY1', '1', 'A2') }).thenRejects('allocation_not_for_project'));
  test('the same payment again is a no-op; with another amount it is refused', () => {
    spec([...base, held('PAY1', '50000')]).when(hold('PAY1', '50000')).then([]);
    spec([...base, held('PAY1', '50000')]).when(hold('PAY1', '40000')).thenRejects('id_reused_with_different_payload');
  });
  const settled = (type: 'HoldPosted' | 'HoldReleased' | 'PaymentReversalCredited', extra = {}): FundBatchEvent =>
    ({ type, data: { batchId: 'B1', allocationId: 'A1', paymentId: 'PAY1', amountFen: '50000', effectiveDate: '2016-06-01', ...extra } }) as FundBatchEvent;
  test('posting a hold; posting twice is a no-op', () => {
    spec([...base, held('PAY1', '50000')]).when({ type: 'PostHold', paymentId: 'PAY1', effectiveDate: '2016-06-01' }).then([settled('HoldPosted')]);
    spec([...base, held('PAY1', '50000'), settled('HoldPosted')]).when({ type: 'PostHold', paymentId: 'PAY1', effectiveDate: '2016-06-01' }).then([]);
  });
  test('releasing a hold; a released hold cannot be posted', () => {
    spec([...base, held('PAY1', '50000')]).when({ type: 'ReleaseHold', paymentId: 'PAY1', reason: 'failed', effectiveDate: '2016-06-01' })
      .then([settled('HoldReleased', { reason: 'failed' })]);
    spec([...base, held('PAY1', '50000'), settled('HoldReleased', { reason: 'failed' })])
      .when({ type: 'PostHold', paymentId: 'PAY1', effectiveDate: '2016-06-01' }).thenRejects('hold_not_open');
  });
  test('a reversal credits a posted payment back; an unposted one cannot be reversed', () => {
    spec([...base, held('PAY1', '50000'), settled('HoldPosted')])
      .when({ type: 'CreditReversal', paymentId: 'PAY1', effectiveDate: '2016-06-01', documentNo: 'R1', reason: '追回' })
      .then([settled('PaymentReversalCredited', { documentNo: 'R1', reason: '追回' })]);
    spec([...base, held('PAY1', '50000')])
      .when({ type: 'CreditReversal', paymentId: 'PAY1', effectiveDate: '2016-06-01', documentNo: 'R1', reason: '追回' }).thenRejects('payment_not_executed');
  });
  test('settling a hold that does not exist is refused', () =>
    spec(base).when({ type: 'PostHold', paymentId: 'NOPE', effectiveDate: '2016-06-01' }).thenRejects('hold_not_found'));
  test('closing with holds in flight is refused', () =>
    spec([...base, held('PAY1', '1')]).when({ type: 'CloseBatch', effectiveDate: '2016-12-31' }).thenRejects('holds_outstanding'));
  test('closing dated before the last movement is refused; on its day or after, it closes', () => {
    // Held on 2016-05-01 and paid out on 2016-06-01: closed on 2016-05-10 the batch would show closed, with money held, while it still moved.
    const history = [issued, toProject('A1', '100000'), held('PAY1', '100000'), settled('HoldPosted', { amountFen: '100000' })];
    spec(history).when({ type: 'CloseBatch', effectiveDate: '2016-05-10' }).thenRejects('date_before_last_movement', 'effectiveDate');
    spec(history).when({ type: 'CloseBatch', effectiveDate: '2016-05-31' }).thenRejects('date_before_last_movement', 'effectiveDate');
    spec(history).when({ type: 'CloseBatch', effectiveDate: '2016-06-01' }).then([{ type: 'FundBatchClosed',
      data: { batchId: 'B1', balanceFen: '0', effectiveDate: '2016-06-01', disposal: 'none', carriedOverTo: null } }]);
  });
});

describe('fund batch: returns', () => {
  test('unspent money goes up to the parent', () =>
    spec([{ type: 'FundBatchIssued', data: { ...header, batchId: 'C1', parentBatchId: 'B1', allocationId: 'A2' } }])
      .when({ type: 'ReturnUnspent', returnId: 'R1', amount: 100n, reason: '结余退回', effectiveDate: '2016-12-01' })
      .then([{ type: 'FundsReturned', data: { batchId: 'C1', returnId: 'R1', amountFen: '100', reason: '结余退回', effectiveDate: '2016-12-01', toBatchId: 'B1', allocationId: 'A2' } }]));
  test('more than the balance cannot go up', () =>
    spec([issued, toProject('A1', '60000')]).when({ type: 'ReturnUnspent', returnId: 'R1', amount: 40001n, reason: 'x', effectiveDate: '2016-12-01' })
      .thenRejects('insufficient_balance'));
  test("a project's unspent commitment comes back to the batch", () =>
    spec([issued, toProject('A1', '60000'), held('PAY1', '50000')])
      .when({ type: 'ReturnUnspent', returnId: 'R2', amount: 10000n, reason: '结余', effectiveDate: '2016-12-01', allocationId: 'A1' })
      .then([{ type: 'AllocationFundsReturned', data: { batchId: 'B1', allocationId: 'A1', projectId: 'P1', returnId: 'R2', amountFen: '10000', reason: '结余', effectiveDate: '2016-12-01' } }]));
  test('nothing is held on, or returned off, an allocation before its date', () => {
    spec([issued, toProject('A1', '60000')]).when({ type: 'Hold', request: { ...request('PAY1', '100'), effectiveDate: '2016-03-31' } })
      .thenRejects('date_before_allocation', 'effectiveDate');
    const onTheDay = { ...request('PAY1', '100'), effectiveDate: '2016-04-01' };
    spec([issued, toProject('A1', '60000')]).when({ type: 'Hold', request: onTheDay })
      .then([{ type: 'FundsHeld', data: { batchId: 'B1', allocationId: 'A1', paymentId: 'PAY1', amountFen: '100', effectiveDate: '2016-04-01', request: onTheDay } }]);
    spec([issued, toProject('A1', '60000')]).when({ type: 'ReturnUnspent', returnId: 'R3', amount: 1n, reason: '结余', effectiveDate: '2016-03-31', allocationId: 'A1' })
      .thenRejects('date_before_allocation', 'effectiveDate');
  });
  test('held money cannot be returned', () =>
    spec([issued, toProject('A1', '60000'), held('PAY1', '50000')])
      .when({ type: 'ReturnUnspent', returnId: 'R2', amount: 10001n, reason: '结余', effectiveDate: '2016-12-01', allocationId: 'A1' }).thenRejects('insufficient_balance'));
  test('returning from an unknown or child-batch allocation is refused', () => {
    spec([issued]).when({ type: 'ReturnUnspent', returnId: 'R', amount: 1n, reason: 'x', effectiveDate: '2016-12-01', allocationId: 'NO' }).thenRejects('allocation_not_found');
    spec([issued, toChild('A2', '5')]).when({ type: 'ReturnUnspent', returnId: 'R', amount: 1n, reason: 'x', effectiveDate: '2016-12-01', allocationId: 'A2' })
      .thenRejects('not_a_project_allocation');
  });
  test('a parent credits a return only from the child it allocated to', () => {
    const credit = { type: 'CreditReturn' as const, returnId: 'R1', fromBatchId: 'C1', allocationId: 'A2', amount: 100n, effectiveDate: '2016-12-01' };
    spec([issued, toChild('A2', '1000')]).when(credit)
      .then([{ type: 'ReturnReceived', data: { batchId: 'B1', returnId: 'R1', fromBatchId: 'C1', allocationId: 'A2', amountFen: '100', effectiveDate: '2016-12-01' } }]);
    spec([issued, toChild('A2', '1000')]).when({ ...credit, fromBatchId: 'C9' }).thenRejects('return_not_from_child');
  });
});

test('the figures of a batch after each step, each one derived from the events and checked by value', () => {
  // Balance is defined as what is left, so comparing it with the sum that defines it would prove
  // nothing; each step's figures are checked against values worked out by hand instead.
  const events: FundBatchEvent[] = [
    issued, toProject('A1', '60000'), toChild('A2', '20000'), held('PAY1', '50000'),
    { type: 'HoldPosted', data: { batchId: 'B1', allocationId: 'A1', paymentId: 'PAY1', amountFen: '50000', effectiveDate: '2016-06-01' } },
    { type: 'ReturnReceived', data: { batchId: 'B1', returnId: 'R1', fromBatchId: 'C1', allocationId: 'A2', amountFen: '5000', effectiveDate: '2016-12-01' } },
  ];
  // unallocated: free in the batch; available: on project lines, neither held nor paid; balance: both.
  const expected = [
    { unallocated: 100000n, held: 0n, paid: 0n, available: 0n, balance: 100000n },
    { unallocated: 40000n, held: 0n, paid: 0n, available: 60000n, balance: 100000n },
    { unallocated: 20000n, held: 0n, paid: 0n, available: 60000n, balance: 80000n },
    { unallocated: 20000n, held: 50000n, paid: 0n, available: 10000n, balance: 30000n },
    { unallocated: 20000n, held: 0n, paid: 50000n, available: 10000n, balance: 30000n },
    { unallocated: 25000n, held: 0n, paid: 50000n, available: 10000n, balance: 35000n },
  ];
  let state = fundBatchDecider.initialState();
  events.forEach((e, i) => {
    state = fundBatchDecider.evolve(state, e);
    const { unallocated, held: h, paid, available, balance } = batchFigures(state as OpenBatch);
    expect({ step: i, unallocated, held: h, paid, available, balance }).toEqual({ step: i, ...expected[i] });
  });
  const f = batchFigures(state as OpenBatch);
  // Received counts only money from above; the child's return is its own figure.
  expect(f).toEqual({ received: 100000n, allocated: 20000n, committed: 60000n, returnedFromBatches: 5000n, returnedFromProjects: 0n, returned: 0n,
    held: 0n, paid: 50000n, unallocated: 25000n, available: 10000n, balance: 35000n });
  expect(batchIdentityBreaks(f)).toEqual([]);
});
