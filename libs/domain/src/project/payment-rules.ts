import type { BusinessDate } from '../dates';
import { formatFen, type Fen } from '../money';
import { invalid, ruleBroken } from '../rejection';
import { projectOn, type OpenProject } from './project';
import { BENEFIT_PROJECT_TYPES, DEFAULT_PAYMENT_RULES, paymentRuleOn, publicityMinDaysOf, spendingKindOf, type PaymentRuleSet, type SpendingKind } from './spending-kind';

export { BENEFIT_PROJECT_TYPES, DEFAULT_PAYMENT_RULES, paymentRuleOn, publicityMinDaysOf, spendingKindOf, type PaymentRuleSet, type SpendingKind };

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
    if (r.publicityMinDays !== undefined && (!Number.isInteger(r.publicityMinDays) || r.publicityMinDays < 1 || r.publicityMinDays > 90)) {
      throw new Error(`PAYMENT_RULES entry ${JSON.stringify(r)}: publicityMinDays must be a whole number of days, 1–90`);
    }
  }
  return [...rules].map((r) => ({ ...r, publicityMinDays: publicityMinDaysOf(r) })).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1));
}

export function ruleInForce(rules: readonly PaymentRuleSet[], date: BusinessDate): PaymentRuleSet {
  const rule = paymentRuleOn(rules, date);
  if (!rule) throw invalid('no_payment_rule', `no payment rule is in force on ${date}`, 'effectiveDate');
  return rule;
}

/** What the project has already claimed (held or paid, not released), and how much of it as advances. */
export type ProjectPaymentTotals = { claimed: Fen; advances: Fen };

const daysBetween = (from: BusinessDate, to: BusinessDate) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/**
 * Payments obey the project as it stood on the payment's business date (milestones dated on or
 * before it), by the kind of spending:
 *   every project: approved (立项) by then; never beyond the budget;
 *   works:    advance only before the start and within the advance share of the budget;
 *             progress only after the start, and never taking what is claimed beyond the last
 *             reported percentComplete of the budget; final and single only after a passed 验收;
 *   benefits: a household payee only, a single installment, and only after a 公示 of at least
 *             the rule's minimum days has ended.
 * The household's own eligibility on the date is checked beside this (eligibilityOn).
 */
export function checkPaymentAgainstProject(
  project: OpenProject,
  payment: { installment: string; amount: Fen; effectiveDate: BusinessDate; payeeType: string },
  totals: ProjectPaymentTotals,
  rules: PaymentRuleSet,
): void {
  const budget = BigInt(project.definition.budgetFen);
  const on = projectOn(project, payment.effectiveDate);
  const { reached } = on;
  const id = project.definition.projectId;
  if (!project.reached.approved) throw ruleBroken('project_not_approved', `project ${id} has not been approved (立项); no payment before it`, 'projectId');
  if (!reached.approved) {
    throw ruleBroken('payment_before_approval', `the payment is dated ${payment.effectiveDate}, before the approval on ${project.reached.approved}`, 'effectiveDate');
  }
  if (totals.claimed + payment.amount > budget) {
    throw ruleBroken('exceeds_budget', `the project's budget is ${formatFen(budget)} yuan; ${formatFen(totals.claimed)} is already claimed`, 'amount');
  }
  if (spendingKindOf(project.definition.type) === 'benefit') {
    if (payment.payeeType !== 'household') {
      throw ruleBroken('benefit_payee_not_household', `project ${id} is a household-benefit programme (${project.definition.type}); it pays registered households only`, 'payee.type');
    }
    if (payment.installment !== 'single') {
      throw ruleBroken('installment_not_for_programme', `a household-benefit programme pays single installments, not ${payment.installment}`, 'installment');
    }
    const minDays = publicityMinDaysOf(rules);
    const ran = on.notices.filter((n) => n.publicUntil !== null && n.publicUntil < payment.effectiveDate);
    if (ran.length === 0) {
      throw ruleBroken('publicity_not_completed', `programme ${id} has no 公示 that ended before ${payment.effectiveDate}; benefits are paid only after it`, 'effectiveDate');
    }
    if (!ran.some((n) => daysBetween(n.date, n.publicUntil!) + 1 >= minDays)) {
      throw ruleBroken('publicity_too_short', `the 公示 of programme ${id} ran fewer than ${minDays} days (rule of ${rules.effectiveFrom})`, 'effectiveDate');
    }
    return;
  }
  switch (payment.installment) {
    case 'advance': {
      if (reached.started) throw ruleBroken('advance_after_start', `an advance is paid before work starts; the project started on ${reached.started}`, 'installment');
      const cap = (budget * BigInt(rules.advanceMaxPercent)) / 100n;
      if (totals.advances + payment.amount > cap) {
        throw ruleBroken('advance_exceeds_limit', `advances may reach ${rules.advanceMaxPercent}% of the budget (${formatFen(cap)} yuan, rule of ${rules.effectiveFrom}); ${formatFen(totals.advances)} already advanced`, 'amount');
      }
      return;
    }
    case 'progress': {
      if (!reached.started) throw ruleBroken('project_not_started', `a progress payment needs the project to have started (开工) by ${payment.effectiveDate}`, 'installment');
      const earned = (budget * BigInt(on.lastPercent)) / 100n;
      if (totals.claimed + payment.amount > earned) {
        throw ruleBroken('exceeds_progress', `progress reported by ${payment.effectiveDate} is ${on.lastPercent}% (${formatFen(earned)} yuan of the budget); ${formatFen(totals.claimed)} is already claimed`, 'amount');
      }
      return;
    }
    case 'final':
    case 'single':
      if (on.acceptance !== 'passed') {
        throw ruleBroken('project_not_accepted', `a ${payment.installment} payment needs a passed acceptance (验收) by ${payment.effectiveDate}`, 'installment');
      }
      return;
    default:
      throw ruleBroken('unknown_installment', `installment ${payment.installment} is not one of advance, progress, final, single`, 'installment');
  }
}
