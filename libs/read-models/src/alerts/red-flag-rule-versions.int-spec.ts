import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { applyRuleChanges, DEFAULT_RULE_SET, ruleSetInForce, type LedgerEvent, type RuleSetVersion } from '@yuantrace/domain';
import { PgliteDb, type RecordedEvent } from '@yuantrace/event-store';
import { listAlerts } from './alert-queries';
import { redFlagsProjection } from './red-flags.projection';

/**
 * A property: whatever the order in which cash payments and rule-set versions are recorded, the
 * R-35 alerts read at any instant are exactly those a reference model finds by judging every
 * payment known then under the version in force on its date among the versions known then.
 * This holds re-judgement, withdrawal and re-raising to the model, interval by interval.
 */
type Pay = { kind: 'pay'; id: string; yuan: number; day: number; cash: boolean; individual: boolean };
type Rules = { kind: 'rules'; day: number; limitYuan: number; enabled: boolean };
type Step = Pay | Rules;

const dateOf = (day: number) => new Date(Date.UTC(2017, 6, 1) + day * 86_400_000).toISOString().slice(0, 10);
let db: PgliteDb;

describe('R-35 under rule-set versions recorded in any order (property)', () => {
  beforeAll(async () => {
    db = await PgliteDb.open(undefined);
    await db.transaction((tx) => redFlagsProjection.setup(tx));
  });
  afterAll(async () => db.close());

  test('the alerts at every instant are the model’s', async () => {
    const step: fc.Arbitrary<Step> = fc.oneof(
      // Mostly what the rule is about (cash to individuals around its start date), so re-judgements have something to change.
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('pay' as const), id: fc.constant(''), yuan: fc.integer({ min: 100, max: 1500 }),
        day: fc.integer({ min: 0, max: 900 }), cash: fc.constantFrom(true, true, true, false), individual: fc.constantFrom(true, true, true, false) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('rules' as const), day: fc.integer({ min: 0, max: 900 }),
        limitYuan: fc.constantFrom(300, 500, 800, 1000), enabled: fc.boolean() }) },
    );
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
      await db.query(`truncate ${redFlagsProjection.tables.join(', ')}`);
      let t = Date.parse('2026-01-01T00:00:00Z');
      const versions: RuleSetVersion[] = [];
      const payments: Array<Pay & { recordedAt: number }> = [];
      for (const [i, s] of steps.entries()) {
        t += 1000;
        const at = new Date(t);
        const rec = (stream: string, event: LedgerEvent): RecordedEvent => ({ id: randomUUID(), streamId: stream, revision: 0n, type: event.type,
          data: event.data as unknown as Record<string, unknown>, metadata: {} as RecordedEvent['metadata'], position: { commit: BigInt(i + 1), prepare: BigInt(i + 1) },
          recordedAt: at });
        let events: RecordedEvent[];
        if (s.kind === 'pay') {
          const id = `P${i}`, date = dateOf(s.day), amountFen = String(s.yuan * 100);
          payments.push({ ...s, id, recordedAt: t });
          events = [
            rec(`payment-${id}`, { type: 'PaymentRequested', data: { paymentId: id, projectId: 'X', allocationId: 'L', batchId: 'B', unitCode: '990101001001',
              payee: { type: s.individual ? 'household' : 'contractor', id: `H${i}`, name: '某', accountRef: `a${i}`, accountMasked: '*' }, amountFen, purpose: 'x',
              installment: 'single', effectiveDate: date, requestedBy: 'clerk' } }),
            rec(`payment-${id}`, { type: 'PaymentExecuted', data: { paymentId: id, channel: s.cash ? 'cash' : 'one_card', bankReference: `BR${i}`, effectiveDate: date,
              amountFen } }),
          ];
        } else {
          const v = applyRuleChanges(versions[versions.length - 1] ?? DEFAULT_RULE_SET, { type: 'AdoptRuleSet', version: versions.length + 2, effectiveFrom: dateOf(s.day),
            documentNo: null, note: null, rules: { 'R-35': { enabled: s.enabled, params: { cashLimitFen: s.limitYuan * 100 } } } });
          versions.push({ ...v, recordedAt: t } as RuleSetVersion & { recordedAt: number });
          events = [rec('ruleset-redflags', { type: 'RuleSetAdopted', data: v })];
        }
        await db.transaction((tx) => redFlagsProjection.apply(tx, events));
      }
      // Read at every instant: just after each step was recorded.
      for (let k = 1; k <= steps.length; k++) {
        const knownAt = Date.parse('2026-01-01T00:00:00Z') + k * 1000;
        const knownVersions = versions.filter((v) => (v as RuleSetVersion & { recordedAt: number }).recordedAt <= knownAt);
        const model = payments.filter((p) => p.recordedAt <= knownAt).filter((p) => {
          const r = ruleSetInForce(knownVersions, dateOf(p.day)).rules['R-35'];
          return r.enabled && p.cash && p.individual && dateOf(p.day) >= String(r.params.cashRuleFrom) && p.yuan * 100 > Number(r.params.cashLimitFen);
        }).map((p) => `R-35.cash_to_individual.payment.${p.id}`).sort();
        const read = (await listAlerts(db, { knownAt: new Date(knownAt) }, { unitPrefix: '', ruleId: 'R-35', limit: 500, today: '2026-12-01' }))
          .alerts.map((a) => a.alertId).sort();
        expect({ k, read }).toEqual({ k, read: model });
        // After the last step, the usual list (no knownAt: the alerts the projection keeps judged under the versions known now) is the same.
        if (k === steps.length) {
          const now = (await listAlerts(db, {}, { unitPrefix: '', ruleId: 'R-35', limit: 500, today: '2026-12-01' })).alerts.map((a) => a.alertId).sort();
          expect({ now }).toEqual({ now: model });
        }
      }
    }), { numRuns: 60 });
  });
});
