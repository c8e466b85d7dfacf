import { formatFen, invalid, RED_FLAG_RULES, RED_FLAG_VARIANTS, SEVERITIES, SEVERITY_LABELS, type RedFlagRuleId, type Severity } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { dateText, describeBasis, type Basis } from '../shared/basis';
import { dueAlertsSql, inTerms, RULE_TERMS_VALUES, ruleTermsSql } from './alert-judgement-sql';

/**
 * The inspector's alert list: findings the detectors stored (rm_alerts) and the two rules about
 * the passing of time, judged here for the basis (R-01 no onward movement, R-24 idle money).
 * Every alert is read under the rule-set version in force on the day it was raised, among the
 * versions the books knew at `knownAt`: a disabled rule hides its alerts for the days it was
 * disabled, and the severity shown is that version's.
 */
export type AlertFilter = {
  /** The region read, as the significant prefix of its unit code ('' for the whole country). */
  unitPrefix: string;
  ruleId?: string;
  variant?: string;
  severity?: string;
  subjectKind?: string;
  subjectId?: string;
  /** open: no case has taken it up; in_case: under verification; closed: its case is closed (销号). */
  status?: string;
  limit: number;
  after?: string;
  /** The business date "now" stands for when the basis has no asOf (the ledger's today). */
  today: string;
};

const SUBJECT_KINDS = ['payment', 'batch', 'household', 'account', 'project'] as const;

/** The columns an alert is filtered, counted and ordered by; the page fetches the rest (see wide) for its rows only. */
const NARROW = 'alert_id, rule_id, variant, subject_kind, subject_id, raised_on, recorded_at';

/** The time-judged alerts kept ready, in full, for the page's wide columns. */
const READY_COMPUTED = `computed as (select alert_id, rule_id, variant, subject_kind, subject_id, unit_code, amount_fen, measure, evidence, detail, raised_on,
  recorded_at from rm_due_alerts)`;

/**
 * The alerts kept ready (no knownAt): the current rows of rm_alerts (src 's') and the time-judged
 * ones (src 'c'), due by asOf, in scope and matching `conditions` (columns of the one table each
 * branch reads, so the planner can use its indexes for them).
 */
function readySql(cols: string, asOf: string, scope: (alias: string) => string, conditions: string[], firstOf?: { order: string; limit: string }): string {
  // A row no version covers (raised before the first took effect) is not judged: as the worked-out reading, it is left out.
  const where = [`a.raised_on <= ${asOf}::date`, 'a.version is not null', scope('a'), ...conditions].join(' and ');
  // The first rows of each table by its index, then of the two: PostgreSQL would not merge two index scans through a union here,
  // and sorted every match instead.
  const first = firstOf ? ` ${firstOf.order} limit ${firstOf.limit}` : '';
  return `(select ${cols}, 's'::text as src from rm_alerts a where a.withdrawn_at is null and ${where}${first})
    union all (select ${cols}, 'c'::text as src from rm_due_alerts a where ${where}${first})`;
}

/**
 * Every alert of the region as `every_alert` (narrow columns, with the version it is read under,
 * whether its rule is enabled then and its severity then), and the time-judged ones in full as
 * `computed`. Shared by the list and the lookups.
 *
 * Without `knownAt` the books are read as they stand, under every version known now: the
 * red-flag projection keeps each current alert judged under those (rm_alerts' version, enabled,
 * severity) and the time-judged ones ready (rm_due_alerts), so the usual list reads rows. With
 * `knownAt` the versions and the time-judged rules are worked out here from what was known then.
 * Both are the same SQL (alert-judgement-sql.ts), and a test holds the two readings equal.
 */
function alertsSql(basis: Basis, params: unknown[], scopeCondition: (alias: string) => string, today: string): string {
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const asOf = p(basis.asOf ?? today);
  if (!basis.knownAt) return `${READY_COMPUTED}, every_alert as (${readySql(`${NARROW}, version, enabled, severity`, asOf, scopeCondition, [])})`;
  const knownAt = p(basis.knownAt.toISOString());
  const known = (col: string) => `${col} <= ${knownAt}::timestamptz`;
  const t = RULE_TERMS_VALUES;
  return `${ruleTermsSql({ defaultFrom: p(t.defaultFrom), defaultBody: p(t.defaultBody), known: known('recorded_at'), ruleIds: p(t.ruleIds), variants: p(t.variants) })},
    -- Narrow rows to filter, count and order; the page fetches the rest (see wide) for its rows only.
    stored as (
      select ${NARROW}, 's'::text as src
      from rm_alerts a where a.raised_on <= ${asOf}::date and ${known('a.recorded_at')} and ${scopeCondition('a')}
        -- A finding a later rule-set version cleared stands for every knownAt before that version.
        and (a.withdrawn_at is null or a.withdrawn_at > ${knownAt}::timestamptz)),
    ${dueAlertsSql({ known, due: (day) => `${day} <= ${asOf}::date`, where: scopeCondition })},
    every_alert as (
      select a.*, v.version, v.enabled, v.severity
      from (select * from stored union all select ${NARROW}, 'c'::text from computed) a
        join terms v on ${inTerms('a', 'v')})`;
}

/**
 * The case that took an alert up under the basis (the latest opened) and whether it had been
 * closed (销号): joined to the page only, unless the list is filtered by it, so a county's
 * thousands of alerts are not each looked up to count them.
 */
function caseOf(basis: Basis, params: unknown[], today: string, alias: string): { columns: string; join: string } {
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const asOf = p(basis.asOf ?? today);
  const knownAt = basis.knownAt ? p(basis.knownAt.toISOString()) : null;
  const known = (col: string) => (knownAt ? `${col} <= ${knownAt}::timestamptz` : 'true');
  return {
    columns: `c.case_id, c.closed_on, case when c.closed_on is not null then 'closed' when c.case_id is not null then 'in_case' else 'open' end as status`,
    join: `left join lateral (
          select ca.case_id, (select cc.closed_on from rf_cases_closed cc where cc.case_id = ca.case_id and cc.closed_on <= ${asOf}::date and ${known('cc.recorded_at')}) as closed_on
          from rf_case_alerts ca where ca.alert_id = ${alias}.alert_id and ca.opened_on <= ${asOf}::date and ${known('ca.recorded_at')}
          order by ca.opened_on desc, ca.case_id desc limit 1) c on true`,
  };
}

/** The wide columns of the alerts in `alias` (a page): from their stored row, or from the time-judged rules computed for the basis. */
const wide = (alias: string) => ({
  columns: `coalesce(w_.unit_code, c_.unit_code) as unit_code, coalesce(w_.amount_fen, c_.amount_fen) as amount_fen, coalesce(w_.measure, c_.measure) as measure,
    coalesce(w_.evidence, c_.evidence) as evidence, coalesce(w_.detail, c_.detail) as detail`,
  join: `left join rm_alerts w_ on ${alias}.src = 's' and w_.alert_id = ${alias}.alert_id and w_.recorded_at = ${alias}.recorded_at
    left join computed c_ on ${alias}.src = 'c' and c_.alert_id = ${alias}.alert_id`,
});

const scopeOf = (params: unknown[], prefix: string) => (alias: string) => {
  if (prefix === '') return 'true';
  params.push(`${prefix}%`);
  return `${alias}.unit_code like $${params.length}`;
};

type AlertRow = {
  alert_id: string; rule_id: string; variant: string; subject_kind: string; subject_id: string; unit_code: string; amount_fen: unknown; measure: unknown;
  evidence: unknown; detail: unknown; raised_on: unknown; recorded_at: unknown; version: number; severity: string; total?: unknown;
  status: string; case_id: string | null; closed_on: unknown;
};

const fen = (v: unknown) => (v === null || v === undefined ? null : formatFen(BigInt(v as string)));
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/** What the measure column holds, by rule and variant, in the words of the alert. */
function figuresOf(r: AlertRow): Record<string, unknown> {
  const m = r.measure;
  switch (`${r.rule_id}.${r.variant}`) {
    case 'R-35.cash_to_individual': return { limit: fen(m) };
    case 'R-21.industry_over_cap': return { cap: fen(m), cumulative: fen(r.amount_fen) };
    case 'R-21.education_off_standard': return { standard: fen(m) };
    case 'R-20.declared_total_differs_from_lines': return { declared: fen(r.amount_fen), lines: fen(m) };
    case 'R-01.received_less_than_allocated': return { allocated: fen(r.amount_fen), received: fen(m) };
    case 'R-05.shared_account': return { households: Number(m), total: fen(r.amount_fen) };
    case 'R-10.paid_without_full_publicity': return { minDays: Number(m) };
    case 'R-24.idle_after_receipt': return { received: fen(m), unspent: fen(r.amount_fen) };
    default: return {};
  }
}

function render(r: AlertRow) {
  const rule = RED_FLAG_RULES[r.rule_id as RedFlagRuleId];
  const variants = rule?.variants as Record<string, string> | undefined;
  const detail = json(r.detail) as Record<string, unknown>;
  return {
    alertId: r.alert_id, ruleId: r.rule_id, ruleName: rule?.name ?? r.rule_id, ruleVersion: r.version, variant: r.variant, description: variants?.[r.variant] ?? r.variant,
    severity: r.severity, severityLabel: SEVERITY_LABELS[r.severity as Severity] ?? r.severity,
    subject: { kind: r.subject_kind, id: r.subject_id }, unitCode: r.unit_code, amount: fen(r.amount_fen),
    figures: figuresOf(r), detail, evidence: json(r.evidence) as string[],
    raisedOn: dateText(r.raised_on), raisedAt: new Date(r.recorded_at as string).toISOString(),
    status: r.status, caseId: r.case_id, closedOn: r.closed_on ? dateText(r.closed_on) : null,
  };
}
export type AlertView = ReturnType<typeof render>;

const encodeCursor = (r: AlertRow) => Buffer.from(`${dateText(r.raised_on)}|${r.alert_id}`).toString('base64url');
function decodeCursor(c: string): [string, string] {
  const text = Buffer.from(c, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(text.slice(0, 10))) throw invalid('invalid_cursor', 'this cursor was not issued by this api', 'after');
  return [text.slice(0, 10), text.slice(11)];
}

export function validateAlertFilter(f: Partial<Record<'ruleId' | 'severity' | 'subjectKind' | 'variant' | 'status', string | undefined>>) {
  if (f.status !== undefined && !['open', 'in_case', 'closed'].includes(f.status)) throw invalid('invalid_status', 'status must be one of open, in_case, closed', 'status');
  if (f.ruleId !== undefined && !(f.ruleId in RED_FLAG_RULES)) {
    throw invalid('unknown_rule', `ruleId must be one of ${Object.keys(RED_FLAG_RULES).join(', ')}`, 'ruleId');
  }
  if (f.variant !== undefined) {
    const known = RED_FLAG_VARIANTS.map((x) => x.variant);
    if (!known.includes(f.variant)) throw invalid('unknown_variant', `variant must be one of ${known.join(', ')}`, 'variant');
  }
  if (f.severity !== undefined && !(SEVERITIES as readonly string[]).includes(f.severity)) {
    throw invalid('invalid_severity', `severity must be one of ${SEVERITIES.join(', ')}`, 'severity');
  }
  if (f.subjectKind !== undefined && !(SUBJECT_KINDS as readonly string[]).includes(f.subjectKind)) {
    throw invalid('invalid_subject_kind', `subjectKind must be one of ${SUBJECT_KINDS.join(', ')}`, 'subjectKind');
  }
}

/** Newest first (by the day raised, then id), paged by an opaque cursor; `total` counts every alert that matches. */
export async function listAlerts(q: SqlExecutor, basis: Basis, f: AlertFilter) {
  validateAlertFilter(f);
  const params: unknown[] = [];
  const scope = scopeOf(params, f.unitPrefix);
  const where = ['enabled'];
  const add = (cond: (ph: string) => string, v: unknown) => {
    params.push(v);
    where.push(cond(`$${params.length}`));
  };
  if (f.ruleId) add((x) => `rule_id = ${x}`, f.ruleId);
  if (f.variant) add((x) => `variant = ${x}`, f.variant);
  if (f.severity) add((x) => `severity = ${x}`, f.severity);
  if (f.subjectKind) add((x) => `subject_kind = ${x}`, f.subjectKind);
  if (f.subjectId) add((x) => `subject_id = ${x}`, f.subjectId);
  // Filtered by its case's status, every alert needs its case; otherwise only the page does.
  const inner = f.status ? caseOf(basis, params, f.today, 'e') : null;
  const source = inner ? `(select e.*, ${inner.columns} from every_alert e ${inner.join}) e` : 'every_alert e';
  if (f.status) add((x) => `status = ${x}`, f.status);
  const pageWhere: string[] = [];
  if (f.after) {
    const [day, id] = decodeCursor(f.after);
    params.push(day, id);
    pageWhere.push(`(raised_on, alert_id) < ($${params.length - 1}::date, $${params.length})`);
  }
  params.push(f.limit + 1);
  const limit = `$${params.length}`;
  const bySeverity = `count(*) as total, count(*) filter (where severity = 'red') as reds, count(*) filter (where severity = 'yellow') as yellows,
    count(*) filter (where severity = 'blue') as blues`;
  const order = 'order by raised_on desc, alert_id desc';
  let head: string, paged: string;
  if (!basis.knownAt && !f.status) {
    // Read from the rows kept ready, counts and page each read the tables themselves: the count only
    // the severity of each match, the page the (raised_on, alert_id) indexes newest first, stopping at
    // its limit, with no copy of every match in between and no sort of them.
    const asOf = (params.push(basis.asOf ?? f.today), `$${params.length}`);
    head = `with ${READY_COMPUTED}, counts as (select ${bySeverity} from (${readySql('a.severity', asOf, scope, where)}) x)`;
    paged = `(select * from (${readySql(`${NARROW}, version, enabled, severity`, asOf, scope, [...where, ...pageWhere], { order, limit })}) x ${order} limit ${limit})`;
  } else {
    // Worked out for a knownAt, the matches are gathered once, then counted by severity (before the
    // page's cursor and limit) and paged from.
    head = `with ${alertsSql(basis, params, scope, f.today)}, chosen as materialized (select * from ${source} where ${where.join(' and ')}),
      counts as materialized (select ${bySeverity} from chosen)`;
    paged = `(select * from chosen where ${pageWhere.join(' and ') || 'true'} ${order} limit ${limit})`;
  }
  const outer = f.status ? null : caseOf(basis, params, f.today, 'pg');
  const w = wide('pg');
  // The counts' one row leads, so a page past the last match still carries them.
  const page = await q.query<AlertRow & { total: string; reds: string; yellows: string; blues: string }>(
    `${head} select pg.*, counts.*, ${w.columns}${outer ? `, ${outer.columns}` : ''}
      from counts left join ${paged} pg on true
      ${w.join} ${outer ? outer.join : ''} order by pg.raised_on desc, pg.alert_id desc`, params,
    // The usual list (rows kept ready) is asked many times a second: planning it took 2 of its 8 ms.
    { prepare: !basis.knownAt && !f.status });
  const counts = page.rows[0];
  const matched = page.rows.filter((r) => r.alert_id !== null);
  const rows = matched.slice(0, f.limit);
  return {
    basis: describeBasis(basis),
    total: Number(counts?.total ?? 0),
    bySeverity: { red: Number(counts?.reds ?? 0), yellow: Number(counts?.yellows ?? 0), blue: Number(counts?.blues ?? 0) },
    alerts: rows.map(render),
    next: matched.length > f.limit ? encodeCursor(rows[rows.length - 1]) : null,
  };
}

/** Alerts by id as they stand now, each with its region: a case checks its alerts with it. */
export async function alertsByIds(q: SqlExecutor, ids: string[], basis: Basis = {}, today = '9999-12-31') {
  if (ids.length === 0) return [];
  const params: unknown[] = [];
  const cte = alertsSql(basis, params, () => 'true', today);
  const c = caseOf(basis, params, today, 'e');
  params.push(ids);
  const w = wide('e');
  const r = await q.query<AlertRow>(`with ${cte} select e.*, ${w.columns}, ${c.columns} from every_alert e ${w.join} ${c.join} where e.alert_id = any($${params.length}::text[])`,
    params);
  return r.rows.map((x) => ({ ...render(x), enabled: (x as unknown as { enabled: boolean }).enabled }));
}
