import { canonicalKey } from '../canonical';
import type { Decider } from '../decider';
import { assertDate, type BusinessDate } from '../dates';
import { conflict, invalid } from '../rejection';

/**
 * The red-flag rules of DOMAIN.md §3.2 that the detectors judge, as data. Thresholds and
 * severities live in a versioned rule set with effective dates, adopted by a command and kept
 * in the log (stream `ruleset-redflags`), so an auditor can tell which threshold applied on
 * any date, and `GET /alerts?asOf=&knownAt=` judges each alert by the version then in force as
 * the books then knew it.
 */
export const SEVERITIES = ['red', 'yellow', 'blue'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_LABELS: Record<Severity, string> = { red: '红', yellow: '黄', blue: '蓝' };

type ParamKind = 'fen' | 'days' | 'percent' | 'count' | 'date';
type RuleDefinition = {
  name: string;
  /** What each variant of the rule looks for (a rule may detect more than one pattern). */
  variants: Record<string, string>;
  params: Record<string, { kind: ParamKind; default: string | number; meaning: string }>;
  severity: Severity;
  /** A variant whose severity differs from the rule's, by default. */
  variantSeverity?: Record<string, Severity>;
};

export const RED_FLAG_RULES = {
  'R-01': {
    name: '截留 / 雁过拔毛',
    variants: {
      no_onward_movement: '下级收到资金后在期限内没有再分配、安排或退回',
      received_less_than_allocated: '下级到账额少于上级下达额',
    },
    params: { onwardWithinDays: { kind: 'days', default: 30, meaning: '收到后须在多少天内向下分配或安排' } },
    severity: 'red',
  },
  'R-05': {
    name: '冒领',
    variants: {
      payee_not_registered: '收款户在支付日未登记为建档立卡户',
      payee_removed: '收款户在支付日已被剔除',
      identity_in_two_households: '同一身份证号出现在两个在册户中',
      shared_account: '同一银行账户收取多个无关户的资金',
      duplicate_bank_reference: '同一银行流水号对应两笔支付',
    },
    params: { sharedAccountMinHouseholds: { kind: 'count', default: 2, meaning: '同一账户收款户数达到几户即预警' } },
    severity: 'red',
  },
  'R-07': {
    name: '优亲厚友 / 裙带扶贫',
    variants: { payee_related_to_cadre: '收款户成员是村干部、帮扶责任人或其亲属' },
    params: {},
    severity: 'yellow',
  },
  'R-10': {
    name: '未公示或公示不足即付款',
    variants: { paid_without_full_publicity: '项目未公示，或公示期未满即付款' },
    params: { publicityMinDays: { kind: 'days', default: 7, meaning: '公示最少天数' } },
    severity: 'yellow',
  },
  'R-14': {
    name: '未验收即付尾款',
    variants: { final_paid_before_acceptance: '尾款支付前没有验收合格记录' },
    params: {},
    severity: 'yellow',
  },
  'R-20': {
    name: '合计与明细不符',
    variants: { declared_total_differs_from_lines: '文件合计金额与明细之和不一致' },
    params: {},
    severity: 'yellow',
  },
  'R-21': {
    name: '超标准或低于标准发放',
    variants: {
      industry_over_cap: '产业扶持资金每户累计超过上限',
      education_off_standard: '教育资助金额与在读学生标准不符',
    },
    params: {
      industryCapFen: { kind: 'fen', default: 300000, meaning: '产业扶持每户累计上限（分）' },
      primaryStudentFen: { kind: 'fen', default: 100000, meaning: '义务教育阶段（6–12 岁）每生每年（分）' },
      secondaryStudentFen: { kind: 'fen', default: 200000, meaning: '高中及中职阶段（13–18 岁）每生每年（分）' },
    },
    severity: 'yellow',
    variantSeverity: { industry_over_cap: 'red' },
  },
  'R-24': {
    name: '资金闲置',
    variants: { idle_after_receipt: '收到后期限届满仍有过半未使用' },
    params: {
      idleAfterDays: { kind: 'days', default: 90, meaning: '收到后多少天检查' },
      idleMinPercent: { kind: 'percent', default: 50, meaning: '未使用比例超过多少即预警' },
    },
    severity: 'yellow',
  },
  'R-30': {
    name: '不相容职务未分离',
    variants: { approver_is_requester: '审核人与申请人为同一人', approver_is_payee: '审核人即收款人' },
    params: {},
    severity: 'red',
  },
  'R-31': {
    name: '驻村工作队员侵占群众利益',
    variants: { payee_is_work_team: '驻村工作队员或第一书记本人是收款人、账户持有人或收款户成员' },
    params: {},
    severity: 'red',
  },
  'R-35': {
    name: '现金发放个人超限',
    variants: { cash_to_individual: '向个人以现金发放超过限额' },
    params: {
      cashLimitFen: { kind: 'fen', default: 50000, meaning: '现金发放个人的限额（分）' },
      cashRuleFrom: { kind: 'date', default: '2018-01-01', meaning: '自何日起适用' },
    },
    severity: 'yellow',
  },
} as const satisfies Record<string, RuleDefinition>;

export type RedFlagRuleId = keyof typeof RED_FLAG_RULES;
export const RED_FLAG_RULE_IDS = Object.keys(RED_FLAG_RULES) as RedFlagRuleId[];
/** Every rule and variant the detectors may raise, in catalogue order: what alerts are judged, listed and filtered by. */
export const RED_FLAG_VARIANTS: readonly { ruleId: RedFlagRuleId; variant: string }[] = RED_FLAG_RULE_IDS.flatMap((ruleId) =>
  Object.keys(RED_FLAG_RULES[ruleId].variants).map((variant) => ({ ruleId, variant })));

/** One rule as a version of the rule set sets it. */
export type RuleSetting = { enabled: boolean; severity: Severity; variantSeverity: Record<string, Severity>; params: Record<string, string | number> };
export type RuleSetVersion = {
  version: number;
  effectiveFrom: BusinessDate;
  documentNo: string | null;
  note: string | null;
  rules: Record<RedFlagRuleId, RuleSetting>;
};

/** Version 1: the defaults of DOMAIN.md §3.2, in force from the start of every history. */
export const DEFAULT_RULE_SET: RuleSetVersion = {
  version: 1,
  effectiveFrom: '2000-01-01',
  documentNo: null,
  note: 'DOMAIN.md §3.2 的默认阈值',
  rules: Object.fromEntries(RED_FLAG_RULE_IDS.map((id) => {
    const d: RuleDefinition = RED_FLAG_RULES[id];
    return [id, { enabled: true, severity: d.severity, variantSeverity: { ...(d.variantSeverity ?? {}) },
      params: Object.fromEntries(Object.entries(d.params).map(([k, p]) => [k, p.default])) }];
  })) as Record<RedFlagRuleId, RuleSetting>,
};

export type RuleSetAdopted = { type: 'RuleSetAdopted'; data: RuleSetVersion };
export type RuleSetEvent = RuleSetAdopted;
export type RuleSetState = { versions: RuleSetVersion[]; keys: Map<number, string> };

/** A proposed change names only what it changes; the rest carries over from the latest version. */
export type RuleChange = { enabled?: boolean; severity?: string; variantSeverity?: Record<string, string>; params?: Record<string, unknown> };
export type AdoptRuleSet = { type: 'AdoptRuleSet'; version: number; effectiveFrom: BusinessDate; documentNo: string | null; note: string | null; rules: Record<string, RuleChange> };

function severityOf(v: unknown, field: string): Severity {
  if (!(SEVERITIES as readonly unknown[]).includes(v)) throw invalid('invalid_severity', `${field} must be one of ${SEVERITIES.join(', ')}`, field);
  return v as Severity;
}

function paramOf(kind: ParamKind, v: unknown, field: string): string | number {
  if (kind === 'date') return assertDate(v, field);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid('invalid_rule_parameter', `${field} must be a whole number of at least 0`, field);
  if (kind === 'percent' && v > 100) throw invalid('invalid_rule_parameter', `${field} is a percentage: at most 100`, field);
  if (kind === 'days' && v > 3660) throw invalid('invalid_rule_parameter', `${field} is a number of days: at most 3660`, field);
  return v;
}

/** The complete version a change makes of the latest one; refuses unknown rules, variants and parameters by name. */
export function applyRuleChanges(base: RuleSetVersion, c: AdoptRuleSet): RuleSetVersion {
  const rules = structuredClone(base.rules);
  for (const [id, change] of Object.entries(c.rules ?? {})) {
    const field = `rules.${id}`;
    if (!(id in RED_FLAG_RULES)) throw invalid('unknown_rule', `${id} is not a rule the detectors judge (${RED_FLAG_RULE_IDS.join(', ')})`, field);
    const def: RuleDefinition = RED_FLAG_RULES[id as RedFlagRuleId];
    const r = rules[id as RedFlagRuleId];
    if (change === null || typeof change !== 'object' || Array.isArray(change)) throw invalid('invalid_rule_change', `${field} must be an object`, field);
    for (const key of Object.keys(change)) {
      if (!['enabled', 'severity', 'variantSeverity', 'params'].includes(key)) throw invalid('unknown_field', `${field}.${key} is not a field of a rule`, `${field}.${key}`);
    }
    if (change.enabled !== undefined) {
      if (typeof change.enabled !== 'boolean') throw invalid('invalid_rule_change', `${field}.enabled must be true or false`, `${field}.enabled`);
      r.enabled = change.enabled;
    }
    if (change.severity !== undefined) r.severity = severityOf(change.severity, `${field}.severity`);
    for (const [variant, s] of Object.entries(change.variantSeverity ?? {})) {
      if (!(variant in def.variants)) throw invalid('unknown_variant', `${variant} is not a variant of ${id}`, `${field}.variantSeverity.${variant}`);
      r.variantSeverity[variant] = severityOf(s, `${field}.variantSeverity.${variant}`);
    }
    for (const [name, value] of Object.entries(change.params ?? {})) {
      const p = def.params[name];
      if (!p) throw invalid('unknown_rule_parameter', `${name} is not a parameter of ${id}`, `${field}.params.${name}`);
      r.params[name] = paramOf(p.kind, value, `${field}.params.${name}`);
    }
  }
  return { version: c.version, effectiveFrom: c.effectiveFrom, documentNo: c.documentNo, note: c.note, rules };
}

function decide(c: AdoptRuleSet, s: RuleSetState): RuleSetEvent[] {
  if (!Number.isSafeInteger(c.version) || c.version < 2) throw invalid('invalid_version', 'version must be a whole number from 2 (1 is the built-in defaults)', 'version');
  const latest = s.versions[s.versions.length - 1] ?? DEFAULT_RULE_SET;
  const prior = s.versions.find((v) => v.version === c.version);
  if (prior) {
    const again = applyRuleChanges(s.versions.filter((v) => v.version < c.version).pop() ?? DEFAULT_RULE_SET, c);
    if (s.keys.get(c.version) === canonicalKey(again)) return [];
    throw conflict('id_reused_with_different_payload', `rule set version ${c.version} was adopted with different content`, 'version');
  }
  if (c.version !== latest.version + 1) throw conflict('version_out_of_order', `the next rule set version is ${latest.version + 1}`, 'version');
  return [{ type: 'RuleSetAdopted', data: applyRuleChanges(latest, c) }];
}

export const ruleSetDecider: Decider<RuleSetState, AdoptRuleSet, RuleSetEvent> = {
  decide,
  evolve: (s, e) => ({ versions: [...s.versions, e.data], keys: new Map(s.keys).set(e.data.version, canonicalKey(e.data)) }),
  initialState: () => ({ versions: [], keys: new Map() }),
};

/**
 * The version in force on a date among those known: the latest effective date on or before it,
 * and among versions effective the same day the highest. The defaults stand where none applies.
 */
export function ruleSetInForce(versions: readonly RuleSetVersion[], date: BusinessDate): RuleSetVersion {
  let best = DEFAULT_RULE_SET;
  for (const v of versions) {
    if (v.effectiveFrom <= date && (v.effectiveFrom > best.effectiveFrom || (v.effectiveFrom === best.effectiveFrom && v.version > best.version))) best = v;
  }
  return best;
}

export const severityOfAlert = (setting: RuleSetting, variant: string): Severity => setting.variantSeverity[variant] ?? setting.severity;
