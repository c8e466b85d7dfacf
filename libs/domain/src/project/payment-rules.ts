import type { BusinessDate } from '../dates';
import { formatFen, type Fen } from '../money';
import { invalid, ruleBroken } from '../rejection';
import type { ProjectState } from './project';

/**
 * Thresholds for payments against a project (DOMAIN.md R-14). They are dated: each set applies
 * from its effectiveFrom until the next one, so an audit can tell which rule applied on a date,
 * and a payment records the set it was checked under.
 */
export type PaymentRuleSet = { effectiveFrom: BusinessDate; advanceMaxPercent: number };

export const DEFAULT_PAYMENT_RULES: PaymentRuleSet[] = [{ effectiveFrom: '2000-01-01', advanceMaxPercent: 30 }];

export function parsePaymentRules(json: string): PaymentRuleSet[] {
  let rules: unknown;
  try {
    rules = JSON.parse(json);
  } catch {
    throw new Error('PAYMENT_RULES must be JSON: [{"effectiveFrom":"2014-01-01","advanceMaxPercent":30}, …]');
  }
  if (!Array.isArray(rules) || rules.length === 0) throw new Error('PAYMENT_RULES must be a non-empty array');
  for (const r of rules) {
    if (typeof r?.effectiveFrom !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r.effectiveFrom) || !Number.isInteger(r.advanceMaxPercent) ||
      r.advanceMaxPercent < 0 || r.advanceMaxPercent > 100) {
      throw new Error(`PAYMENT_RULES entry ${JSON.stringify(r)} needs effectiveFrom YYYY-MM-DD and advanceMaxPercent 0–100`);
    }
  }
  return [...rules].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1));
}

export function ruleInForce(rules: readonly PaymentRuleSet[], date: BusinessDate): PaymentRuleSet {
  const applicable = rules.filter((r) => r.effectiveFrom <= date);
  if (applicable.length === 0) throw invalid('no_payment_rule', `no payment rule is in force on ${date}`, 'effectiveDate');
  return applicable[applicable.length - 1];
}

/** What the project has already committed to payments that are requested, approved or paid. */
export type ProjectPaymentTotals = { claimed: Fen; advances: Fen };

/**
 * Payments obey the project: nothing before approval (立项); an advance only before work
 * starts and within the advance share of the budget; a progress payment only once started; a
 * final payment only after a passed acceptance; never beyond the budget.
 */
export function checkPaymentAgainstProject(
  project: Extract<ProjectState, { status: 'proposed' }>,
  payment: { installment: string; amount: Fen; effectiveDate: BusinessDate },
  totals: ProjectPaymentTotals,
  rules: PaymentRuleSet,
): void {
  const budget = BigInt(project.definition.budgetFen);
  const { reached } = project;
  if (!reached.approved) throw ruleBroken('project_not_approved', `project ${project.definition.projectId} has not been approved (立项); no payment before it`, 'projectId');
  if (payment.effectiveDate < reached.approved) {
    throw ruleBroken('payment_before_approval', `the payment is dated ${payment.effectiveDate}, before the approval on ${reached.approved}`, 'effectiveDate');
  }
  if (totals.claimed + payment.amount > budget) {
    throw ruleBroken('exceeds_budget', `the project's budget is ${formatFen(budget)} yuan; ${formatFen(totals.claimed)} is already claimed`, 'amount');
  }
  switch (payment.installment) {
    case 'advance': {
      if (reached.started) throw ruleBroken('advance_after_start', 'an advance is paid before work starts; the project has started', 'installment');
      const cap = (budget * BigInt(rules.advanceMaxPercent)) / 100n;
      if (totals.advances + payment.amount > cap) {
        throw ruleBroken('advance_exceeds_limit', `advances may reach ${rules.advanceMaxPercent}% of the budget (${formatFen(cap)} yuan, rule of ${rules.effectiveFrom}); ${formatFen(totals.advances)} already advanced`, 'amount');
      }
      return;
    }
    case 'progress':
      if (!reached.started) throw ruleBroken('project_not_started', 'a progress payment needs the project to have started (开工)', 'installment');
      return;
    case 'final':
      if (project.acceptance !== 'passed') throw ruleBroken('project_not_accepted', 'a final payment needs a passed acceptance (验收)', 'installment');
      return;
    default:
      return;
  }
}
