/**
 * Ground truth for the red-flag detectors: each anomaly the generator injects, written beside the
 * commands as one JSON line (DOMAIN.md §6.10). An alert matches an anomaly when its ruleId is the
 * anomaly's and its subject (`kind:id`) is one of the anomaly's subjectRefs; for R-05
 * shared_account, whose subject is a vault reference of the account unknown at generation time,
 * when the households the alert names include every household of the anomaly.
 *
 * `legacy`: the records stand for ones migrated from the old system before the ledger's command
 * rules (the ledger refuses them as commands); the loader appends them straight to the event store.
 */
export type Anomaly = {
  anomalyId: string;
  ruleId: string;
  variant: string;
  /** `payment:G-PAY-…`, `batch:…`, `household:…`, `project:…`. */
  subjectRefs: string[];
  description: string;
  legacy?: true;
};

/** The rule variants the generator injects, in the order the bench prints them. */
export const INJECTED_VARIANTS: ReadonlyArray<readonly [string, string]> = [
  ['R-01', 'no_onward_movement'],
  ['R-05', 'shared_account'],
  ['R-05', 'payee_not_registered'],
  ['R-05', 'payee_removed'],
  ['R-05', 'identity_in_two_households'],
  ['R-05', 'duplicate_bank_reference'],
  ['R-07', 'payee_related_to_cadre'],
  ['R-10', 'paid_without_full_publicity'],
  ['R-14', 'final_paid_before_acceptance'],
  ['R-20', 'declared_total_differs_from_lines'],
  ['R-21', 'industry_over_cap'],
  ['R-21', 'education_off_standard'],
  ['R-24', 'idle_after_receipt'],
  ['R-30', 'approver_is_payee'],
  ['R-30', 'approver_is_requester'],
  ['R-31', 'payee_is_work_team'],
  ['R-35', 'cash_to_individual'],
];

export type AlertLike = { ruleId: string; variant?: string; subject: { kind: string; id: string }; detail?: unknown };

const HOUSEHOLD_ID = /G-HH-[A-Z0-9-]*[0-9]/g;

/** Whether an alert is the detection of an anomaly (see the type's comment). */
export function alertMatches(alert: AlertLike, anomaly: Anomaly): boolean {
  if (alert.ruleId !== anomaly.ruleId) return false;
  if (anomaly.subjectRefs.includes(`${alert.subject.kind}:${alert.subject.id}`)) return true;
  if (anomaly.variant === 'shared_account' && alert.subject.kind === 'account') {
    const named = new Set(JSON.stringify(alert.detail ?? {}).match(HOUSEHOLD_ID) ?? []);
    const wanted = anomaly.subjectRefs.filter((s) => s.startsWith('household:')).map((s) => s.slice('household:'.length));
    return wanted.length > 0 && wanted.every((h) => named.has(h));
  }
  return false;
}

export type DetectorScore = { ruleId: string; variant: string; injected: number; detected: number; matched: number; recall: number | null; precision: number | null };

/**
 * Per rule and variant: anomalies injected, alerts raised, alerts that match an injected anomaly
 * of the same rule, recall (anomalies found / injected) and precision (matching alerts / alerts).
 * Alerts of a variant nothing was injected for count against precision under their own line.
 */
export function scoreDetectors(anomalies: readonly Anomaly[], alerts: readonly AlertLike[]): DetectorScore[] {
  const key = (r: string, v: string) => `${r}/${v}`;
  const rows = new Map<string, DetectorScore>();
  const row = (r: string, v: string) => {
    const k = key(r, v);
    let x = rows.get(k);
    if (!x) rows.set(k, (x = { ruleId: r, variant: v, injected: 0, detected: 0, matched: 0, recall: null, precision: null }));
    return x;
  };
  for (const [r, v] of INJECTED_VARIANTS) row(r, v);
  const found = new Set<string>();
  const byRule = new Map<string, Anomaly[]>();
  for (const a of anomalies) {
    row(a.ruleId, a.variant).injected++;
    byRule.set(a.ruleId, [...(byRule.get(a.ruleId) ?? []), a]);
  }
  for (const alert of alerts) {
    const x = row(alert.ruleId, alert.variant ?? '?');
    x.detected++;
    let hit = false;
    for (const a of byRule.get(alert.ruleId) ?? []) {
      if (alertMatches(alert, a)) {
        hit = true;
        found.add(a.anomalyId);
      }
    }
    if (hit) x.matched++;
  }
  for (const x of rows.values()) {
    const mine = anomalies.filter((a) => a.ruleId === x.ruleId && a.variant === x.variant);
    x.recall = mine.length ? +(mine.filter((a) => found.has(a.anomalyId)).length / mine.length).toFixed(3) : null;
    x.precision = x.detected ? +(x.matched / x.detected).toFixed(3) : null;
  }
  return [...rows.values()];
}
