import { DEFAULT_RULE_SET, RED_FLAG_VARIANTS } from '@yuantrace/domain';

/**
 * SQL the red-flag projection and the alert list share, so that what the projection keeps ready
 * for the usual list (every alert judged under the versions known now) and what the list computes
 * for a `knownAt` are one text, not two that could drift apart.
 *
 * Placeholders are passed in as SQL text: the projection names its parameters (@name), the list
 * numbers them ($n).
 */

/**
 * The rule-set versions known (`known` filters rf_rule_sets), the days each is in force
 * [effective_from, effective_to) as `spans`, and as `terms` what each version says of each rule
 * and variant (enabled, severity), read out of its body once: a county's thousands of alerts then
 * join a few dozen rows instead of each walking the version's JSON (materialized: inlined, the
 * planner would walk it again for every alert). `ruleIds` and `variants` are parallel text arrays
 * (the domain's RED_FLAG_VARIANTS).
 */
export function ruleTermsSql(o: { defaultFrom: string; defaultBody: string; known: string; ruleIds: string; variants: string }): string {
  return `
    rules as (
      select 1 as version, ${o.defaultFrom}::date as effective_from, ${o.defaultBody}::jsonb as body
      union all select version, effective_from, body from rf_rule_sets where ${o.known}),
    in_force as (select distinct on (effective_from) version, effective_from, body from rules order by effective_from, version desc),
    spans as (select version, effective_from, body, lead(effective_from) over (order by effective_from) as effective_to from in_force),
    terms as materialized (
      select v.version, v.effective_from, v.effective_to, k.rule_id, k.variant,
        coalesce((v.body->'rules'->k.rule_id->>'enabled')::boolean, false) as enabled,
        coalesce(v.body->'rules'->k.rule_id->'variantSeverity'->>k.variant, v.body->'rules'->k.rule_id->>'severity') as severity
      from spans v cross join unnest(${o.ruleIds}::text[], ${o.variants}::text[]) as k(rule_id, variant))`;
}

/** The values ruleTermsSql's placeholders stand for, worked out once: the default version and the catalogue of rules and variants. */
export const RULE_TERMS_VALUES = {
  defaultFrom: DEFAULT_RULE_SET.effectiveFrom,
  defaultBody: JSON.stringify(DEFAULT_RULE_SET),
  ruleIds: RED_FLAG_VARIANTS.map((x) => x.ruleId),
  variants: RED_FLAG_VARIANTS.map((x) => x.variant),
};

/** The join of an alert (`a`: rule_id, variant, raised_on) to the terms (`v`) of the version in force on the day it was raised. */
export const inTerms = (a: string, v: string) =>
  `${v}.rule_id = ${a}.rule_id and ${v}.variant = ${a}.variant and ${a}.raised_on >= ${v}.effective_from and (${v}.effective_to is null or ${a}.raised_on < ${v}.effective_to)`;

/**
 * The two rules about the passing of time (R-24 idle money, R-01 no onward movement), judged
 * from rf_batches and rf_batch_moves under `spans`, as `computed`: one row per batch that falls
 * due, raised on the day it falls due. `known(col)` limits what the books knew, `due(day)`
 * which due days count (the list: on or before its asOf), `where(alias)` which batches.
 */
export function dueAlertsSql(o: { known: (col: string) => string; due: (day: string) => string; where: (alias: string) => string }): string {
  const inSpan = (date: string, span: string) => `${span}.effective_from <= ${date} and (${span}.effective_to is null or ${date} < ${span}.effective_to)`;
  const param = (body: string, rule: string, name: string, cast: string) => `(${body}->'rules'->'${rule}'->'params'->>'${name}')::${cast}`;
  return `
    idle as (
      select 'R-24.idle_after_receipt.batch.' || b.batch_id as alert_id, 'R-24' as rule_id, 'idle_after_receipt' as variant, 'batch' as subject_kind,
        b.batch_id as subject_id, b.unit_code, u.left_fen as amount_fen, b.amount_fen as measure, jsonb_build_array(b.event_id) as evidence,
        jsonb_build_object('received', b.amount_fen::text, 'unspent', u.left_fen::text, 'receivedOn', b.effective_date, 'days', x.days, 'percent', x.percent) as detail,
        x.due as raised_on, greatest(b.recorded_at, u.known) as recorded_at
      from rf_batches b
        join spans r on ${inSpan('b.effective_date', 'r')}
        cross join lateral (select ${param('r.body', 'R-24', 'idleAfterDays', 'int')} as days, ${param('r.body', 'R-24', 'idleMinPercent', 'int')} as percent,
          b.effective_date + ${param('r.body', 'R-24', 'idleAfterDays', 'int')} as due) x
        cross join lateral (
          select b.amount_fen + coalesce(sum(case when m.direction = 'in' then m.amount_fen else -m.amount_fen end), 0) as left_fen, max(m.recorded_at) as known
          from rf_batch_moves m where m.batch_id = b.batch_id and m.effective_date <= x.due and ${o.known('m.recorded_at')}) u
      where ${o.due('x.due')} and ${o.known('b.recorded_at')} and (b.voided_on is null or b.voided_on > x.due) and b.amount_fen > 0
        and u.left_fen * 100 > b.amount_fen * x.percent and ${o.where('b')}),
    onward as (
      select 'R-01.no_onward_movement.batch.' || b.batch_id, 'R-01', 'no_onward_movement', 'batch', b.batch_id, b.unit_code, b.amount_fen, null::bigint,
        jsonb_build_array(b.event_id), jsonb_build_object('parentBatchId', b.parent_batch_id, 'receivedOn', b.effective_date, 'days', x.days), x.due, b.recorded_at
      from rf_batches b
        join spans r on ${inSpan('b.effective_date', 'r')}
        cross join lateral (select ${param('r.body', 'R-01', 'onwardWithinDays', 'int')} as days,
          b.effective_date + ${param('r.body', 'R-01', 'onwardWithinDays', 'int')} as due) x
      where b.parent_batch_id is not null and ${o.due('x.due')} and ${o.known('b.recorded_at')} and (b.voided_on is null or b.voided_on > x.due)
        and not exists (select 1 from rf_batch_moves m where m.batch_id = b.batch_id and m.direction = 'out' and m.effective_date <= x.due and ${o.known('m.recorded_at')})
        and ${o.where('b')}),
    computed as (select * from idle union all select * from onward)`;
}
