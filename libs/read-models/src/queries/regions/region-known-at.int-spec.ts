import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { PaymentRequestPayload } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { householdsProjection } from '../../households/households.projection';
import { postingsProjection } from '../../postings/postings.projection';
import { given, type Given } from '../../shared/testing/given-events';
import { unitFigures, unitFiguresByScan } from './region-queries';

/**
 * "As the books stood at an instant" from the rollups (hours before the instant's hour, that
 * hour's postings, households' receipts with their recording instants) must be exactly the scan
 * over postings, for every region, at every instant that matters, with and without asOf —
 * whatever payments, reversals and returns were recorded in whatever order, over several hours.
 */
const COUNTY = '990101000000', TOWNSHIP = '990101001000';
const VILLAGES = ['990101001001', '990101001002'];
const HOUSEHOLDS = ['H0', 'H1', 'H2', 'H3'];
const base = Date.parse('2026-03-01T08:00:00.000Z');
const dayOf = (offset: number) => new Date(Date.parse('2016-04-01T00:00:00Z') + offset * 86_400_000).toISOString().slice(0, 10);

type Op = { kind: 'pay' | 'reverse' | 'return' | 'hold'; household: number; amount: number; day: number; minute: number };
const op = fc.record({
  kind: fc.constantFrom('pay', 'pay', 'reverse', 'return', 'hold'), household: fc.nat(HOUSEHOLDS.length - 1), amount: fc.integer({ min: 1, max: 5000 }),
  day: fc.nat(400), minute: fc.nat(6 * 60),
}) as fc.Arbitrary<Op>;

function ledger(ops: readonly Op[]): Given[] {
  // Minutes apart over six hours, some within the same second (a millisecond or a few apart).
  const at = (minute: number) => new Date(base + minute * 60_000 + (minute % 7) * 1000 + (minute % 3) * 7).toISOString();
  const events: Given[] = [
    ...HOUSEHOLDS.map((h, i) => ({ stream: `household-${h}`, recordedAt: at(0), event: { type: 'HouseholdRegistered', data: { householdId: h, unitCode: VILLAGES[i % 2],
      members: [], category: 'general', causes: ['ILLNESS'], registeredOn: '2015-10-01' } } } as Given)),
    ...VILLAGES.map((v, i) => ({ stream: `project-P${i}`, recordedAt: at(0), event: { type: 'ProjectProposed', data: { projectId: `P${i}`, name: 'p', type: 'EDUCATION',
      unitCode: v, implementer: 'i', budgetFen: '100000000', plannedStart: '2016-01-01', plannedEnd: '2017-12-31' } } } as Given)),
    { stream: 'fundbatch-R', recordedAt: at(1), event: { type: 'FundBatchIssued', data: { batchId: 'R', parentBatchId: null, allocationId: null, rootBatchId: 'R',
      rootDocumentNo: 'D', documentNo: 'D', title: 't', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY', recipientUnitCode: COUNTY, fiscalYear: 2016, purpose: 'p',
      countsTowardHouseholdShare: true, amountFen: '100000000', effectiveDate: '2016-03-01' } } },
    ...VILLAGES.map((_, i) => ({ stream: 'fundbatch-R', recordedAt: at(2 + i * 200), event: { type: 'FundsAllocated', data: { batchId: 'R', allocationId: `L${i}`,
      target: { type: 'project', projectId: `P${i}` }, amountFen: '40000000', effectiveDate: dayOf(i * 30), documentNo: 'A', rootBatchId: 'R', source: 'COUNTY_BUDGET',
      fiscalYear: 2016, purpose: 'p' } } } as Given)),
  ];
  const paid: string[] = [];
  ops.forEach((o, n) => {
    const line = o.household % 2;
    const id = `PAY${n}`;
    const rec = at(o.minute);
    const request: PaymentRequestPayload = { paymentId: id, projectId: `P${line}`, allocationId: `L${line}`, batchId: 'R', payee: { type: 'household',
      id: HOUSEHOLDS[o.household], name: 'h', accountRef: 'r', accountMasked: 'm' }, amountFen: String(o.amount), purpose: 'x', installment: 'single',
      effectiveDate: dayOf(o.day), unitCode: VILLAGES[line], requestedBy: 'c' };
    const leg = { batchId: 'R', allocationId: `L${line}`, paymentId: id, amountFen: String(o.amount), effectiveDate: dayOf(o.day) };
    if (o.kind === 'pay' || o.kind === 'hold') {
      events.push({ stream: 'fundbatch-R', recordedAt: rec, event: { type: 'FundsHeld', data: { ...leg, request } } });
      if (o.kind === 'pay') {
        events.push({ stream: 'fundbatch-R', recordedAt: at(o.minute + o.amount % 90), event: { type: 'HoldPosted', data: leg } });
        paid.push(id);
      }
    } else if (o.kind === 'reverse' && paid.length > 0) {
      const target = paid.splice(o.amount % paid.length, 1)[0];
      const held = events.find((e) => e.event.type === 'FundsHeld' && e.event.data.paymentId === target)!.event;
      if (held.type !== 'FundsHeld') return;
      events.push({ stream: 'fundbatch-R', recordedAt: rec, event: { type: 'PaymentReversalCredited', data: { batchId: 'R', allocationId: held.data.allocationId,
        paymentId: target, amountFen: held.data.amountFen, effectiveDate: dayOf(Math.min(400, o.day + 10)), documentNo: 'X', reason: 'r' } } });
    } else if (o.kind === 'return') {
      events.push({ stream: 'fundbatch-R', recordedAt: rec, event: { type: 'AllocationFundsReturned', data: { batchId: 'R', allocationId: `L${line}`,
        projectId: `P${line}`, returnId: `RT${n}`, amountFen: String(o.amount), reason: 'r', effectiveDate: dayOf(o.day) } } });
    }
  });
  return events;
}

/** Every instant where an answer can change, just before and after it, and the hour boundaries around them. */
function instantsOf(events: readonly Given[]): Date[] {
  const out = new Set<number>();
  for (const e of events) {
    const t = Date.parse(e.recordedAt!);
    const hour = t - (t % 3_600_000);
    const second = t - (t % 1000);
    for (const x of [t - 1, t, t + 1, second, second - 1, second + 1000, hour, hour - 1, hour + 3_600_000]) out.add(x);
  }
  return [...out].sort((a, b) => a - b).filter((_, i, all) => all.length <= 40 || i % Math.ceil(all.length / 40) === 0).map((t) => new Date(t));
}

async function compare(db: SqlExecutor, events: readonly Given[]) {
  const asOfs = [undefined, dayOf(0), dayOf(100), dayOf(250)];
  for (const knownAt of instantsOf(events)) {
    for (const asOf of asOfs) {
      for (const code of [COUNTY, TOWNSHIP, ...VILLAGES]) {
        const basis = { knownAt, ...(asOf ? { asOf } : {}) };
        const where = { code, knownAt: knownAt.toISOString(), asOf };
        expect({ ...where, ...(await unitFigures(db, code, basis)) }).toEqual({ ...where, ...(await unitFiguresByScan(db, code, basis)) });
      }
    }
  }
}

describe('a region as known at an instant: rollups by recorded hour and second equal the scan over postings', () => {
  test('property: any payments, reversals, holds and returns, recorded over six hours in any order', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const events = ledger(ops);
      const g = await given([householdsProjection, postingsProjection], events);
      try {
        await compare(g.db, events);
      } finally {
        await g.close();
      }
    }), { numRuns: 12 });
  }, 240_000);
});
