import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { splitIntoLanes } from './projection-runner';

describe('splitIntoLanes', () => {
  test("the demo county's projections make two lanes of about equal cost, each in the projections' own order", () => {
    const costs = { red_flags: 48, event_index: 39, postings: 35, payments: 19, admin_units: 11, fund_batches: 6, batch_unspent: 4, projects: 2, households: 1, cases: 0.3 };
    const projections = Object.entries(costs).map(([name, passCost]) => ({ name, passCost }));
    const lanes = splitIntoLanes(projections, 2);
    expect(lanes.map((l) => l.map((p) => p.name))).toEqual([
      ['red_flags', 'payments', 'admin_units', 'batch_unspent', 'households'],
      ['event_index', 'postings', 'fund_batches', 'projects', 'cases'],
    ]);
    const sums = lanes.map((l) => l.reduce((n, p) => n + p.passCost, 0));
    expect(Math.abs(sums[0] - sums[1])).toBeLessThanOrEqual(1);
  });

  test('one lane keeps everything in order; no more lanes than projections; a projection without a cost counts 1', () => {
    const ps = [{ n: 'a' }, { n: 'b', passCost: 5 }, { n: 'c' }];
    expect(splitIntoLanes(ps, 1)).toEqual([ps]);
    expect(splitIntoLanes(ps, 0)).toEqual([ps]);
    expect(splitIntoLanes(ps, 8)).toEqual([[ps[1]], [ps[0]], [ps[2]]]);
    expect(splitIntoLanes(ps, 2)).toEqual([[ps[1]], [ps[0], ps[2]]]);
    expect(splitIntoLanes([], 2)).toEqual([]);
  });

  test('property: every projection in exactly one lane, in its own order, and lanes differ in cost by at most the costliest projection', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), (costs, count) => {
      const ps = costs.map((passCost, i) => ({ i, passCost }));
      const lanes = splitIntoLanes(ps, count);
      expect(lanes.length).toBe(Math.min(count, ps.length));
      expect(lanes.flat().map((p) => p.i).sort((a, b) => a - b)).toEqual(ps.map((p) => p.i));
      for (const lane of lanes) expect(lane.map((p) => p.i)).toEqual([...lane.map((p) => p.i)].sort((a, b) => a - b));
      if (lanes.length > 1) {
        const sums = lanes.map((l) => l.reduce((n, p) => n + p.passCost, 0));
        expect(Math.max(...sums) - Math.min(...sums)).toBeLessThanOrEqual(Math.max(...costs));
      }
    }));
  });
});
