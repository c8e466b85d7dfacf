import { describe, expect, test } from '@jest/globals';
import { batchIdentityBreaks } from '../figures/figures';
import { batchFigures, fundBatchDecider, type FundBatchEvent, type FundBatchState, type OpenBatch } from '../fund-batch/fund-batch';
import { checkPlausibleAmount, DEFAULT_AMOUNT_BOUNDS, parseAmountBounds } from '../fund-batch/plausibility';
import { Rejection } from '../rejection';
import { decideAllocationToBatch, decideClosure, decideReturn, decideVoid } from './ledger-decisions';

const fold = (events: FundBatchEvent[], from: FundBatchState = fundBatchDecider.initialState()) => events.reduce(fundBatchDecider.evolve, from);
const refusal = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return `${(e as Rejection).code} ${(e as Rejection).field ?? ''}`.trim();
  }
};
const issued = (batchId: string, amountFen: string, unit = '990101000000'): FundBatchEvent => ({ type: 'FundBatchIssued', data: { batchId, parentBatchId: null,
  allocationId: null, rootBatchId: batchId, rootDocumentNo: 'D', documentNo: 'D', title: 't', source: 'PROVINCIAL_POVERTY', issuerLevel: 'PROVINCIAL',
  recipientUnitCode: unit, fiscalYear: 2016, purpose: 'p', countsTowardHouseholdShare: false, amountFen, effectiveDate: '2016-02-01' } });
const toProject = (batchId: string, allocationId: string, amountFen: string): FundBatchEvent => ({ type: 'FundsAllocated', data: { batchId, allocationId,
  target: { type: 'project', projectId: 'P' }, amountFen, effectiveDate: '2016-03-01', documentNo: 'D2', rootBatchId: batchId, source: 'PROVINCIAL_POVERTY',
  fiscalYear: 2016, purpose: 'p' } });

/** A province's batch P with a county child C (600.00), C funding a project with 200.00 of which 50.00 was paid. */
function family() {
  let parent = fold([issued('P', '100000', '990100000000')]);
  const split = decideAllocationToBatch({ allocationId: 'A-C', target: { type: 'batch', batchId: 'C', recipientUnitCode: '990101000000' }, amount: 60000n,
    effectiveDate: '2016-02-10', documentNo: 'D1' }, { parent, child: { status: 'none' } });
  parent = fold(split.parent!, parent);
  let child = fold(split.child!);
  const request = { paymentId: 'PAY', projectId: 'P', allocationId: 'L1', batchId: 'C', payee: { type: 'contractor', id: 'K', name: 'k', accountRef: 'r', accountMasked: 'm' },
    amountFen: '5000', purpose: 'x', installment: 'progress', effectiveDate: '2016-05-01', unitCode: '990101001001', requestedBy: 'u' };
  child = fold([{ ...toProject('C', 'L1', '20000'), data: { ...(toProject('C', 'L1', '20000').data as object), rootBatchId: 'P' } } as FundBatchEvent,
    { type: 'FundsHeld', data: { batchId: 'C', allocationId: 'L1', paymentId: 'PAY', amountFen: '5000', effectiveDate: '2016-05-01', request } },
    { type: 'HoldPosted', data: { batchId: 'C', allocationId: 'L1', paymentId: 'PAY', amountFen: '5000', effectiveDate: '2016-05-02' } }], child);
  return { parent, child };
}

describe('closing a batch disposes of its remainder in the same command', () => {
  test('without a disposal, a remainder is refused with the amounts; an empty batch closes as it is', () => {
    const { child } = family();
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-31' }, { batch: child }))).toBe('remainder_not_disposed remainder');
    const empty = fold([issued('E', '100'), { type: 'FundsReturned', data: { batchId: 'E', returnId: 'R', amountFen: '100', reason: 'x', effectiveDate: '2016-03-01',
      toBatchId: null, allocationId: null } }]);
    expect(decideClosure({ effectiveDate: '2016-12-31' }, { batch: empty }).batch?.map((e) => e.type)).toEqual(['FundBatchClosed']);
  });

  test('return: the project’s unspent money comes back, the whole remainder goes up to the parent, and nothing is left', () => {
    const { parent, child } = family();
    const out = decideClosure({ effectiveDate: '2016-12-31', remainder: 'return' }, { batch: child, parent });
    expect(out.batch?.map((e) => e.type)).toEqual(['AllocationFundsReturned', 'FundsReturned', 'FundBatchClosed']);
    expect(out.batch?.[0].data).toMatchObject({ allocationId: 'L1', amountFen: '15000' });
    expect(out.batch?.[1].data).toMatchObject({ toBatchId: 'P', amountFen: '55000' });
    expect(out.parent).toEqual([expect.objectContaining({ type: 'ReturnReceived', data: expect.objectContaining({ fromBatchId: 'C', amountFen: '55000' }) })]);
    const closed = fold(out.batch!, child) as OpenBatch;
    const f = batchFigures(closed);
    expect(closed.status).toBe('closed');
    expect(f).toMatchObject({ received: 60000n, committed: 20000n, returnedFromProjects: 15000n, paid: 5000n, returned: 55000n, balance: 0n });
    expect(batchIdentityBreaks(f)).toEqual([]);
    expect(batchFigures(fold(out.parent!, parent) as OpenBatch)).toMatchObject({ returnedFromBatches: 55000n, unallocated: 95000n });
    // Closed means closed: nothing more moves out; the same closure again changes nothing, and one with other details is refused.
    expect(decideClosure({ effectiveDate: '2016-12-31', remainder: 'return' }, { batch: closed, parent })).toEqual({});
    expect(refusal(() => decideClosure({ effectiveDate: '2017-01-02', remainder: 'return' }, { batch: closed, parent }))).toBe('batch_closed batchId');
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-31' }, { batch: closed, parent }))).toBe('batch_closed batchId');
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-31', remainder: 'carryOver', carryOver: { batchId: 'C-2017', fiscalYear: 2017, documentNo: 'd' } },
      { batch: closed, parent, successor: { status: 'none' } }))).toBe('batch_closed batchId');
    expect(refusal(() => fundBatchDecider.decide({ type: 'Allocate', allocationId: 'X', target: { type: 'project', projectId: 'P' }, amount: 1n,
      effectiveDate: '2017-01-01', documentNo: 'd' }, closed))).toBe('batch_closed batchId');
  });

  test('carry over: the remainder becomes a new batch of the same unit for a later year, keeping its origin', () => {
    const { child } = family();
    const c = { effectiveDate: '2016-12-31', remainder: 'carryOver' as const, carryOver: { batchId: 'C-2017', fiscalYear: 2017, documentNo: '结转〔2017〕1号' } };
    const out = decideClosure(c, { batch: child, successor: { status: 'none' } });
    expect(out.batch?.map((e) => e.type)).toEqual(['AllocationFundsReturned', 'FundsAllocated', 'FundBatchClosed']);
    expect(out.batch?.[2].data).toMatchObject({ disposal: 'carriedOver', carriedOverTo: 'C-2017', balanceFen: '0' });
    expect(out.successor?.[0]).toMatchObject({ type: 'FundBatchIssued', data: { batchId: 'C-2017', parentBatchId: 'C', rootBatchId: 'P', fiscalYear: 2017,
      recipientUnitCode: '990101000000', amountFen: '55000' } });
    expect(refusal(() => decideClosure({ ...c, carryOver: { ...c.carryOver, fiscalYear: 2016 } }, { batch: child, successor: { status: 'none' } })))
      .toBe('carry_over_year carryOver.fiscalYear');
    expect(refusal(() => decideClosure({ ...c, carryOver: { ...c.carryOver, batchId: 'P' } }, { batch: child, successor: family().parent })))
      .toBe('batch_id_taken carryOver.batchId');
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-31', remainder: 'carryOver' }, { batch: child }))).toBe('invalid_field carryOver');
    // Retried: the same carry-over is a no-op; one naming the same new batch with another year or 文号 is not the closure recorded.
    const closed = fold(out.batch!, child);
    const successor = fold(out.successor!);
    expect(decideClosure(c, { batch: closed, successor })).toEqual({});
    expect(refusal(() => decideClosure({ ...c, carryOver: { ...c.carryOver, documentNo: '结转〔2017〕2号' } }, { batch: closed, successor }))).toBe('batch_closed batchId');
    expect(refusal(() => decideClosure({ ...c, carryOver: { ...c.carryOver, fiscalYear: 2018 } }, { batch: closed, successor }))).toBe('batch_closed batchId');
  });

  test('money that reaches a closed batch after its closure is returned up, and only that money, on or after the closure', () => {
    const { parent, child } = family();
    // The county's batch closes with its remainder carried over into 2017; the payment of 50.00 then comes back from the bank (退票).
    const carried = decideClosure({ effectiveDate: '2016-12-31', remainder: 'carryOver', carryOver: { batchId: 'C-2017', fiscalYear: 2017, documentNo: 'd' } },
      { batch: child, parent, successor: { status: 'none' } });
    let closed = fold(carried.batch!, child) as OpenBatch;
    const successor = fold(carried.successor!);
    expect(batchFigures(closed)).toMatchObject({ unallocated: 0n, balance: 0n });
    closed = fold(fundBatchDecider.decide({ type: 'CreditReversal', paymentId: 'PAY', effectiveDate: '2017-01-05', documentNo: '退票', reason: '账户已销户' }, closed), closed) as OpenBatch;
    expect(batchFigures(closed)).toMatchObject({ available: 5000n, unallocated: 0n });
    // Back from the project line to the batch, then up to the province's batch: the books show it arriving and leaving.
    closed = fold(fundBatchDecider.decide({ type: 'ReturnUnspent', returnId: 'R-L', amount: 5000n, reason: '退票资金退回', effectiveDate: '2017-01-06', allocationId: 'L1' },
      closed), closed) as OpenBatch;
    expect(refusal(() => decideReturn({ returnId: 'R-UP', amount: 5000n, reason: '退票资金上缴', effectiveDate: '2016-12-30' }, { batch: closed, parent })))
      .toBe('date_before_closure effectiveDate');
    expect(refusal(() => decideReturn({ returnId: 'R-UP', amount: 5000n, reason: '退票资金上缴', effectiveDate: '2017-01-05' }, { batch: closed, parent })))
      .toBe('date_before_last_movement effectiveDate');
    expect(refusal(() => decideReturn({ returnId: 'R-UP', amount: 5001n, reason: '退票资金上缴', effectiveDate: '2017-01-06' }, { batch: closed, parent })))
      .toBe('insufficient_balance amount');
    const up = decideReturn({ returnId: 'R-UP', amount: 5000n, reason: '退票资金上缴', effectiveDate: '2017-01-06' }, { batch: closed, parent });
    expect(up.batch?.map((e) => e.type)).toEqual(['FundsReturned']);
    expect(up.parent?.[0]).toMatchObject({ type: 'ReturnReceived', data: { batchId: 'P', fromBatchId: 'C', amountFen: '5000' } });
    closed = fold(up.batch!, closed) as OpenBatch;
    expect(closed.status).toBe('closed');
    expect(batchFigures(closed)).toMatchObject({ unallocated: 0n, balance: 0n });
    expect(batchIdentityBreaks(batchFigures(closed))).toEqual([]);
    // Still closed for everything else.
    expect(refusal(() => fundBatchDecider.decide({ type: 'Allocate', allocationId: 'X', target: { type: 'project', projectId: 'P' }, amount: 1n,
      effectiveDate: '2017-02-01', documentNo: 'd' }, closed))).toBe('batch_closed batchId');
    // The carried-over batch's money can go back up too: to its closed predecessor, which passes it on.
    const back = decideReturn({ returnId: 'R-C17', amount: 1000n, reason: '结转资金退回', effectiveDate: '2017-03-01' }, { batch: successor, parent: closed });
    expect(back.parent?.[0]).toMatchObject({ type: 'ReturnReceived', data: { batchId: 'C', fromBatchId: 'C-2017', amountFen: '1000' } });
    closed = fold(back.parent!, closed) as OpenBatch;
    expect(decideReturn({ returnId: 'R-C17-UP', amount: 1000n, reason: '结转资金上缴', effectiveDate: '2017-03-02' }, { batch: closed, parent }).parent?.[0])
      .toMatchObject({ type: 'ReturnReceived', data: { batchId: 'P', fromBatchId: 'C', amountFen: '1000' } });
    // A closure may return its remainder into a closed parent, which passes it on in turn.
    const closedParent = fold([{ type: 'FundBatchClosed', data: { batchId: 'P', balanceFen: '0', effectiveDate: '2016-12-30', disposal: 'none', carriedOverTo: null } }], parent);
    expect(decideClosure({ effectiveDate: '2016-12-31', remainder: 'return' }, { batch: child, parent: closedParent }).parent?.map((e) => e.type)).toEqual(['ReturnReceived']);
    // Not dated before the parent's closure: the parent would show closed and holding money on the days between.
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-29', remainder: 'return' }, { batch: child, parent: closedParent }))).toBe('date_before_closure effectiveDate');
    expect(refusal(() => decideReturn({ returnId: 'R-E', amount: 1n, reason: 'x', effectiveDate: '2016-12-29' }, { batch: child, parent: closedParent })))
      .toBe('date_before_closure effectiveDate');
  });

  test('a voided parent takes nothing', () => {
    const { parent, child } = family();
    const voided = { ...(parent as OpenBatch), status: 'voided' as const };
    expect(refusal(() => decideReturn({ returnId: 'R', amount: 1n, reason: 'x', effectiveDate: '2016-12-31' }, { batch: child, parent: voided })))
      .toBe('parent_not_open batchId');
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-31', remainder: 'return' }, { batch: child, parent: voided }))).toBe('parent_not_open remainder');
  });

  test('money held for a payment in flight blocks closure', () => {
    const b = fold([issued('H', '10000'), toProject('H', 'L', '10000'), { type: 'FundsHeld', data: { batchId: 'H', allocationId: 'L', paymentId: 'X', amountFen: '1',
      effectiveDate: '2016-04-01', request: {} as never } }]);
    expect(refusal(() => decideClosure({ effectiveDate: '2016-12-31', remainder: 'return' }, { batch: b }))).toBe('holds_outstanding batchId');
  });
});

describe('voiding (撤销) a batch entered by mistake', () => {
  test('a root that moved nothing is voided: it received nothing after all', () => {
    const b = fold([issued('V', '1000000000000000')]);
    const out = decideVoid({ reason: '录入错误', effectiveDate: '2016-02-02', replacedBy: null }, { batch: b });
    expect(out.batch).toEqual([{ type: 'FundBatchVoided', data: { batchId: 'V', amountFen: '1000000000000000', reason: '录入错误', effectiveDate: '2016-02-02',
      replacedBy: null, toBatchId: null, allocationId: null } }]);
    const voided = fold(out.batch!, b) as OpenBatch;
    expect(voided.status).toBe('voided');
    // The same void again changes nothing; one with another reason, date or replacement is refused.
    expect(decideVoid({ reason: '录入错误', effectiveDate: '2016-02-02', replacedBy: null }, { batch: voided }).batch ?? []).toEqual([]);
    expect(refusal(() => decideVoid({ reason: '另一个原因', effectiveDate: '2016-02-02', replacedBy: null }, { batch: voided }))).toBe('batch_voided batchId');
    expect(refusal(() => decideVoid({ reason: '录入错误', effectiveDate: '2016-02-03', replacedBy: null }, { batch: voided }))).toBe('batch_voided batchId');
    expect(batchFigures(voided)).toMatchObject({ received: 0n, balance: 0n });
    expect(refusal(() => fundBatchDecider.decide({ type: 'ReturnUnspent', returnId: 'R', amount: 1n, reason: 'x', effectiveDate: '2016-03-01' }, voided)))
      .toBe('batch_voided batchId');
  });

  test('a child gives its allocation back to the parent, which may pass it on again', () => {
    let { parent } = family();
    const split = decideAllocationToBatch({ allocationId: 'A-D', target: { type: 'batch', batchId: 'D', recipientUnitCode: '990102000000' }, amount: 30000n,
      effectiveDate: '2016-02-10', documentNo: 'D1' }, { parent, child: { status: 'none' } });
    parent = fold(split.parent!, parent);
    const child = fold(split.child!);
    expect(batchFigures(parent as OpenBatch)).toMatchObject({ allocated: 90000n, unallocated: 10000n });
    const out = decideVoid({ reason: '单位错误', effectiveDate: '2016-02-11', replacedBy: 'C' }, { batch: child, parent, replacement: family().child });
    expect(out.parent).toEqual([{ type: 'AllocationVoided', data: { batchId: 'P', allocationId: 'A-D', childBatchId: 'D', amountFen: '30000', reason: '单位错误',
      effectiveDate: '2016-02-11' } }]);
    expect(batchFigures(fold(out.parent!, parent) as OpenBatch)).toMatchObject({ allocated: 60000n, unallocated: 40000n });
  });

  test('a batch that moved money, or a replacement that does not exist, is refused', () => {
    const { child, parent } = family();
    expect(refusal(() => decideVoid({ reason: 'x', effectiveDate: '2016-06-01', replacedBy: null }, { batch: child, parent }))).toBe('batch_has_moved_money batchId');
    const b = fold([issued('V', '100')]);
    expect(refusal(() => decideVoid({ reason: 'x', effectiveDate: '2016-02-02', replacedBy: 'NOPE' }, { batch: b, replacement: { status: 'none' } })))
      .toBe('replacement_not_found replacedBy');
  });
});

describe('plausibility bounds per issuing level', () => {
  test('an amount above the level’s bound is refused naming the bound; bounds are configurable per level', () => {
    expect(refusal(() => checkPlausibleAmount('VILLAGE', 10_000_000_01n, DEFAULT_AMOUNT_BOUNDS))).toBe('amount_implausible amount');
    expect(refusal(() => checkPlausibleAmount('VILLAGE', 10_000_000_00n, DEFAULT_AMOUNT_BOUNDS))).toBe('accepted');
    const bounds = parseAmountBounds('{"VILLAGE":"20000000.00"}');
    expect(bounds).toEqual({ ...DEFAULT_AMOUNT_BOUNDS, VILLAGE: 20_000_000_00n });
    expect(refusal(() => checkPlausibleAmount('VILLAGE', 10_000_000_01n, bounds))).toBe('accepted');
    expect(() => parseAmountBounds('{"PLANET":"1.00"}')).toThrow(/PLANET is not an issuer level/);
    expect(() => parseAmountBounds('[1]')).toThrow(/JSON object/);
  });
});
