import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { flowContributions, insertReceipt, reachSteps, type Receipt } from './unit-rollups';

const leg = (over: Partial<Parameters<typeof flowContributions>[0]>) => ({
  eventType: 'FundsAllocated', to: 'batch:B2', fromUnit: '990000000000', toUnit: '990101000000', amount: 100n, source: 'CENTRAL_SPECIAL_POVERTY',
  fiscalYear: 2016, effectiveDate: '2016-03-01', payee: null, recordedAt: '2026-01-01T00:00:00.000Z', ...over,
});
const byUnit = (l: ReturnType<typeof leg>) => Object.fromEntries(flowContributions(l).map((c) => [c.unit, c.figures.map(Number)]));

// Figures in the order [received, returned, allocated, committed, returnedFromProjects, held, paid].
describe('flowContributions: what a leg adds to each enclosing unit', () => {
  test('an allocation from the province to a county is received by the county and its city, and allocated by the province', () => {
    expect(byUnit(leg({}))).toEqual({ '99': [0, 0, 100, 0, 0, 0, 0], '9901': [100, 0, 0, 0, 0, 0, 0], '990101': [100, 0, 0, 0, 0, 0, 0] });
  });
  test('a commitment to a village project counts as committed in every unit it touches, and as received below the county', () => {
    expect(byUnit(leg({ to: 'line:B2:A1', fromUnit: '990101000000', toUnit: '990101001002' }))).toEqual({
      '99': [0, 0, 0, 100, 0, 0, 0], '9901': [0, 0, 0, 100, 0, 0, 0], '990101': [0, 0, 0, 100, 0, 0, 0], '990101001': [100, 0, 0, 100, 0, 0, 0],
      '990101001002': [100, 0, 0, 100, 0, 0, 0] });
  });
  test('a project returning money is returned from projects everywhere, and returned out of the village below the county', () => {
    const back = byUnit(leg({ eventType: 'AllocationFundsReturned', to: 'batch:B2', fromUnit: '990101001002', toUnit: '990101000000' }));
    expect(back['990101']).toEqual([0, 0, 0, 0, 100, 0, 0]);
    expect(back['990101001002']).toEqual([0, 100, 0, 0, 100, 0, 0]);
  });
  test('a payment posted out of a village is paid and unheld there and above; its reversal credits it back', () => {
    const paid = byUnit(leg({ eventType: 'HoldPosted', to: 'payee:household:H1', fromUnit: '990101001002', toUnit: null }));
    expect(paid['990101001002']).toEqual([0, 0, 0, 0, 0, -100, 100]);
    expect(paid['99']).toEqual([0, 0, 0, 0, 0, -100, 100]);
    const back = byUnit(leg({ eventType: 'PaymentReversalCredited', to: 'line:B2:A1', fromUnit: null, toUnit: '990101001002' }));
    expect(back['990101001']).toEqual([0, 0, 0, 0, 0, 0, -100]);
  });
  test('money returned from a county to the province leaves the county', () => {
    expect(byUnit(leg({ eventType: 'FundsReturned', to: 'batch:B1', fromUnit: '990101000000', toUnit: '990000000000' }))['990101']).toEqual([0, 100, 0, 0, 0, 0, 0]);
  });
  test('voids take back what they voided: a child batch voided to the province, a root voided to its issuer', () => {
    const child = byUnit(leg({ eventType: 'AllocationVoided', to: 'batch:B1', fromUnit: '990101000000', toUnit: '990000000000' }));
    expect(child['990101']).toEqual([-100, 0, 0, 0, 0, 0, 0]);
    expect(child['99']).toEqual([0, 0, -100, 0, 0, 0, 0]);
    const root = byUnit(leg({ eventType: 'FundBatchVoided', to: 'external', fromUnit: '990101000000', toUnit: null }));
    expect(root['990101']).toEqual([-100, 0, 0, 0, 0, 0, 0]);
  });
});

describe('reachSteps: when a household counts as reached', () => {
  test('on the first day its net receipts are positive, and no more once reversed to nothing', () => {
    expect([...reachSteps({ '2016-05-01': '500', '2016-06-01': '300' })]).toEqual([['2016-05-01', 1]]);
    expect([...reachSteps({ '2016-06-01': '-500', '2016-05-01': '500' })]).toEqual([['2016-05-01', 1], ['2016-06-01', -1]]);
    expect([...reachSteps({ '2016-05-01': '500', '2016-06-01': '-500', '2016-07-01': '200' })]).toEqual([['2016-05-01', 1], ['2016-06-01', -1], ['2016-07-01', 1]]);
    expect([...reachSteps({})]).toEqual([]);
  });
});

describe('insertReceipt: a household\'s receipts in canonical order, however they arrive', () => {
  const receipt = fc.tuple(
    fc.integer({ min: 0, max: 5 }).map((s) => `2026-01-01T00:00:0${s}.000Z`),
    fc.integer({ min: 1, max: 4 }).map((d) => `2016-0${d}-01`),
    fc.integer({ min: -3000, max: 3000 }).map(String),
  ) as fc.Arbitrary<Receipt>;
  test('inserting one by one, in any order, gives the receipts sorted by their joined fields', () => {
    fc.assert(fc.property(fc.array(receipt, { maxLength: 30 }), (receipts) => {
      const kept: Receipt[] = [];
      for (const r of receipts) insertReceipt(kept, r);
      const sorted = [...receipts].sort((a, b) => (a.join('|') < b.join('|') ? -1 : a.join('|') > b.join('|') ? 1 : 0));
      expect(kept).toEqual(sorted);
    }));
  });
  test('a receipt recorded before the last one goes before it', () => {
    const kept: Receipt[] = [['2026-01-01T00:00:02.000Z', '2016-01-01', '5']];
    insertReceipt(kept, ['2026-01-01T00:00:01.000Z', '2016-02-01', '7']);
    expect(kept.map((r) => r[2])).toEqual(['7', '5']);
  });
});
