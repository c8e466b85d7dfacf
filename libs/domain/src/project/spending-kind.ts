import type { BusinessDate } from '../dates';
import type { ProjectType } from './project';

// Imports types only: the web console loads this module in the browser to state a project's
// payment gates with the same thresholds and the same programme kinds the deciders use.

/**
 * Thresholds for payments against a project (DOMAIN.md R-14). They are dated: each set applies
 * from its effectiveFrom until the next one, so an audit can tell which rule applied on a date,
 * and a payment records the set it was checked under.
 */
export type PaymentRuleSet = {
  effectiveFrom: BusinessDate;
  advanceMaxPercent: number;
  /** The shortest 公示 after which a household-benefit programme may pay. */
  publicityMinDays?: number;
};

/** The 公示 period a rule set that names none asks for. */
const PUBLICITY_MIN_DAYS = 7;

/** The shortest 公示 a rule set asks for, its own or the default. */
export const publicityMinDaysOf = (r: PaymentRuleSet): number => r.publicityMinDays ?? PUBLICITY_MIN_DAYS;

export const DEFAULT_PAYMENT_RULES: PaymentRuleSet[] = [{ effectiveFrom: '2000-01-01', advanceMaxPercent: 30, publicityMinDays: PUBLICITY_MIN_DAYS }];

/** How a project spends (DOMAIN.md §1.6, §3.2): works are built and accepted; benefit programmes pay registered households. */
export type SpendingKind = 'works' | 'benefit';

/**
 * Programmes whose money goes to households as a benefit (education subsidies, medical aid,
 * relief and pairing gifts, social-security top-ups, public-welfare jobs, forest-ranger wages,
 * interest subsidies paid to the borrower): everything else is a work that is built, inspected
 * (验收) and paid in installments.
 */
export const BENEFIT_PROJECT_TYPES: readonly ProjectType[] = ['EDUCATION', 'HEALTH', 'RELIEF', 'SOCIAL_SECURITY', 'LABOUR', 'ECOLOGY', 'FINANCE'];
const BENEFIT_TYPES: ReadonlySet<ProjectType> = new Set<ProjectType>(BENEFIT_PROJECT_TYPES);

export const spendingKindOf = (type: ProjectType): SpendingKind => (BENEFIT_TYPES.has(type) ? 'benefit' : 'works');

/** The set in force on a date among dated sets sorted by effectiveFrom, or null before the first. */
export function paymentRuleOn(rules: readonly PaymentRuleSet[], date: BusinessDate): PaymentRuleSet | null {
  const applicable = rules.filter((r) => r.effectiveFrom <= date);
  return applicable.length ? applicable[applicable.length - 1] : null;
}
