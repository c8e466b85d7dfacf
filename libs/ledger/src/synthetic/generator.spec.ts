import { describe, expect, test } from '@jest/globals';
import { validateIdNumber } from '@yuantrace/domain';
import { INJECTED_VARIANTS } from './anomalies';
import { generate } from './generator';

test('the same seed gives the same county, byte for byte; another seed another', () => {
  const a = JSON.stringify(generate('tiny', 42));
  expect(JSON.stringify(generate('tiny', 42))).toBe(a);
  expect(JSON.stringify(generate('tiny', 43))).not.toBe(a);
});

test('a tiny county: units, households with valid fictional identity numbers, every kind of command', () => {
  const { commands, manifest } = generate('tiny', 1);
  const ops = new Set(commands.map((c) => c.op));
  for (const op of ['unit', 'household', 'batch', 'allocate', 'project', 'milestone', 'payment', 'approve', 'execute', 'return', 'householdStatus']) expect(ops).toContain(op);
  const households = commands.filter((c) => c.op === 'household') as unknown as Array<{ head: { idNumber: string }; members: Array<{ idNumber: string }> }>;
  expect(households).toHaveLength(250);
  const ids = households.flatMap((h) => [h.head.idNumber, ...h.members.map((m) => m.idNumber)]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) {
    expect(id.startsWith('99')).toBe(true);
    expect(() => validateIdNumber(id, 'id')).not.toThrow();
  }
  expect(manifest.commands).toBe(commands.length);
  expect(Object.keys(manifest.totals.appropriatedBySource).sort()).toEqual(['CENTRAL_SPECIAL_POVERTY', 'COUNTY_BUDGET', 'PAIRING_UNIT', 'PROVINCIAL_POVERTY']);
});

describe('the injected anomalies (ground truth for the red-flag detectors)', () => {
  const { commands, anomalies } = generate('tiny', 1);
  type C = Record<string, any>;
  const of = (op: string) => commands.filter((c) => c.op === op) as C[];
  const injected = (rule: string, variant: string) => new Set(anomalies.filter((a) => a.ruleId === rule && a.variant === variant).flatMap((a) => a.subjectRefs));
  const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

  test('are the same for the same seed, and at least two of every variant even in the tiny county', () => {
    expect(JSON.stringify(generate('tiny', 1).anomalies)).toBe(JSON.stringify(anomalies));
    expect(JSON.stringify(generate('tiny', 2).anomalies)).not.toBe(JSON.stringify(anomalies));
    for (const [rule, variant] of INJECTED_VARIANTS) {
      expect([rule, variant, anomalies.filter((a) => a.ruleId === rule && a.variant === variant).length >= 2]).toEqual([rule, variant, true]);
    }
    expect(new Set(anomalies.map((a) => a.anomalyId)).size).toBe(anomalies.length);
    // A smaller county still carries every variant.
    const small = generate('tiny', 3, { households: 40, years: [2016, 2017] }).anomalies;
    for (const [rule, variant] of INJECTED_VARIANTS) expect(small.filter((a) => a.ruleId === rule && a.variant === variant).length).toBeGreaterThanOrEqual(2);
  });

  test('name payments, batches, households and projects that the commands create', () => {
    const ids = new Set<string>([
      ...of('payment').map((c) => `payment:${c.paymentId}`),
      ...of('legacy').filter((c) => c.kind === 'payment').map((c) => `payment:${c.paymentId}`),
      ...of('batch').map((c) => `batch:${c.batchId}`),
      ...of('allocate').filter((c) => c.target.type === 'batch').map((c) => `batch:${c.target.batchId}`),
      ...of('household').map((c) => `household:${c.householdId}`),
      ...of('legacy').filter((c) => c.kind === 'household').map((c) => `household:${c.householdId}`),
      ...of('project').map((c) => `project:${c.projectId}`),
    ]);
    const unregistered = new Set(of('legacy').filter((c) => c.kind === 'payment').map((c) => `household:${c.payee.id}`));
    for (const a of anomalies) {
      expect(a.subjectRefs.length).toBeGreaterThan(0);
      for (const ref of a.subjectRefs) expect([a.anomalyId, ref, ids.has(ref) || (a.variant === 'payee_not_registered' && unregistered.has(ref))]).toEqual([a.anomalyId, ref, true]);
    }
    // Every legacy record is an anomaly's.
    for (const c of of('legacy')) expect(anomalies.some((a) => a.legacy && a.subjectRefs.includes(`${c.kind}:${c.kind === 'payment' ? c.paymentId : c.householdId}`))).toBe(true);
  });

  test('clean records show none of the patterns the detectors look for', () => {
    const payments = new Map(of('payment').map((c) => [c.paymentId, c]));
    const projects = new Map(of('project').map((c) => [c.projectId, c]));
    const executed: C[] = of('execute').map((c) => ({ ...c, request: payments.get(c.paymentId)! }));
    // no cash over 500 元 to an individual from 2018, except the injected ones; and some near misses exist.
    const cash = executed.filter((c) => c.channel === 'cash' && ['household', 'person'].includes(c.request.payee.type));
    const flagged = cash.filter((c) => c.effectiveDate >= '2018-01-01' && parseFloat(c.request.amount) > 500);
    expect(flagged.map((c) => `payment:${c.paymentId}`).sort()).toEqual([...injected('R-35', 'cash_to_individual')].sort());
    expect(cash.length).toBeGreaterThan(flagged.length);
    // education at the standard; industry awards within 3,000 元 per household.
    const births = new Map(of('household').map((c) => [c.householdId, [c.head, ...c.members].map((m: C) => Number(m.idNumber.slice(6, 10)))]));
    const standard = (household: string, year: number) => births.get(household)!.reduce((s, b) => s + (year - b >= 6 && year - b <= 12 ? 1000 : year - b >= 13 && year - b <= 18 ? 2000 : 0), 0);
    const offStandard = injected('R-21', 'education_off_standard');
    for (const c of executed.filter((x) => projects.get(x.request.projectId)?.type === 'EDUCATION')) {
      const ok = parseFloat(c.request.amount) === standard(c.request.payee.id, Number(c.request.effectiveDate.slice(0, 4)));
      expect([c.paymentId, ok]).toEqual([c.paymentId, !offStandard.has(`payment:${c.paymentId}`)]);
    }
    const industry = new Map<string, number>();
    for (const c of executed.filter((x) => projects.get(x.request.projectId)?.type === 'INDUSTRY' && x.request.payee.type === 'household')) {
      industry.set(c.request.payee.id, (industry.get(c.request.payee.id) ?? 0) + parseFloat(c.request.amount));
    }
    const overCap = [...industry].filter(([, v]) => v > 3000).map(([h]) => `household:${h}`);
    expect(overCap.length).toBeGreaterThan(0);
    for (const h of overCap) expect(injected('R-21', 'industry_over_cap').has(h)).toBe(true);
    // R-20: line items add up, except where injected.
    for (const b of of('batch')) {
      const sum = (b.lineItems as C[]).reduce((s, l) => s + Math.round(parseFloat(l.amount) * 100), 0);
      expect([b.batchId, sum === Math.round(parseFloat(b.amount) * 100)]).toEqual([b.batchId, !injected('R-20', 'declared_total_differs_from_lines').has(`batch:${b.batchId}`)]);
    }
    // only the injected payments pay the approver.
    expect(of('payment').filter((c) => c.payee.id === 'loader-approver').map((c) => `payment:${c.paymentId}`).sort()).toEqual([...injected('R-30', 'approver_is_payee')].sort());
    // no roster person or relative is a household member, except where injected.
    const members = new Map(of('household').flatMap((c) => [c.head, ...c.members].map((m: C) => [m.idNumber, c.householdId])));
    const linked = new Set([...injected('R-07', 'payee_related_to_cadre'), ...injected('R-31', 'payee_is_work_team')]);
    for (const x of of('roster')) {
      for (const id of [x.idNumber, ...x.relatives.map((y: C) => y.idNumber)]) if (members.has(id)) expect(linked.has(`household:${members.get(id)}`)).toBe(true);
    }
    // every project's first payment follows a 公示 of a week that ended before it, except where injected.
    const notices = new Map<string, C[]>();
    for (const m of of('milestone').filter((x) => x.kind === 'publicized')) notices.set(m.projectId, [...(notices.get(m.projectId) ?? []), m]);
    const r10 = injected('R-10', 'paid_without_full_publicity');
    for (const c of of('payment')) {
      const ok = (notices.get(c.projectId) ?? []).some((n) => n.publicUntil < c.effectiveDate && days(n.date, n.publicUntil) >= 7);
      expect([c.paymentId, ok]).toEqual([c.paymentId, !r10.has(`payment:${c.paymentId}`)]);
    }
    // child batches move money on within 30 days; no batch holds over half of its money idle 90 days after receipt.
    type B = { amount: number; date: string; moves: Array<{ date: string; amount: number }>; child: boolean };
    const batches = new Map<string, B>();
    for (const b of of('batch')) batches.set(b.batchId, { amount: parseFloat(b.amount), date: b.effectiveDate, moves: [], child: false });
    for (const a of of('allocate')) {
      batches.get(a.batchId)!.moves.push({ date: a.effectiveDate, amount: parseFloat(a.amount) });
      if (a.target.type === 'batch') batches.set(a.target.batchId, { amount: parseFloat(a.amount), date: a.effectiveDate, moves: [], child: true });
    }
    for (const x of of('return').filter((y) => !y.allocationId)) batches.get(x.batchId)!.moves.push({ date: x.effectiveDate, amount: parseFloat(x.amount) });
    for (const [id, b] of batches) {
      const first = b.moves.map((m) => m.date).sort()[0];
      const quiet = b.child && (!first || days(b.date, first) > 30);
      expect([id, quiet]).toEqual([id, injected('R-01', 'no_onward_movement').has(`batch:${id}`)]);
      const moved = b.moves.filter((m) => days(b.date, m.date) <= 90).reduce((s, m) => s + m.amount, 0);
      expect([id, b.amount - moved > b.amount / 2]).toEqual([id, injected('R-24', 'idle_after_receipt').has(`batch:${id}`)]);
    }
  });
});
