import { figuresInYuan, regionFiguresOfMoves, significantLength, type RegionMoves } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, type Basis } from '../../shared/basis';
import { HELD_DELTA, n, PAID_DELTA, paidDelta } from '../../shared/figure-sql';
import { recordedHour, recordedSecond } from '../../postings/unit-rollups';

/** A region (a unit and everything below it): its figures by source and year, households reached, sub-units. */

/** The significant digits of a unit code: sub-units share them as a prefix. */
export const unitPrefix = (code: string) => code.slice(0, significantLength(code));

type UnitFigureRow = { source: unknown; fiscal_year: unknown } & Record<(typeof REGION_COLUMNS)[number], unknown>;

/** The region figures stored per row of unit_flows and summed by the scan, in the glossary's names. */
export const REGION_COLUMNS = ['received', 'returned', 'allocated', 'committed', 'returned_from_projects', 'held', 'paid'] as const;
const regionMoves = (x: Record<string, unknown>): RegionMoves => ({ received: n(x.received), returned: n(x.returned), allocated: n(x.allocated),
  committed: n(x.committed), returnedFromProjects: n(x.returned_from_projects), held: n(x.held), paid: n(x.paid) });

function unitFiguresOf(rows: readonly UnitFigureRow[], householdsReached: number) {
  const total: RegionMoves = { received: 0n, returned: 0n, allocated: 0n, committed: 0n, returnedFromProjects: 0n, held: 0n, paid: 0n };
  // In code-point order of source, then year: the same on every database, whatever its collation.
  const ordered = [...rows].sort((a, b) => (String(a.source) < String(b.source) ? -1 : String(a.source) > String(b.source) ? 1 : Number(a.fiscal_year) - Number(b.fiscal_year)));
  const bySourceAndYear = ordered.map((x) => {
    const m = regionMoves(x);
    for (const k of Object.keys(total) as Array<keyof RegionMoves>) total[k] += m[k];
    return { source: String(x.source), fiscalYear: Number(x.fiscal_year), ...figuresInYuan(regionFiguresOfMoves(m)) };
  });
  return { ...figuresInYuan(regionFiguresOfMoves(total)), householdsReached, bySourceAndYear };
}

export type UnitFigures = ReturnType<typeof unitFiguresOf>;

/**
 * A unit and its sub-units: what arrived from outside, what went back out, what was committed
 * to projects, held and paid inside, by source and year. Read from the unit rollups for the
 * present and for any asOf date; a knownAt cut needs each posting's recording instant, so it
 * (and the whole country, which has no prefix) is answered by the scan.
 */
export async function unitFigures(q: SqlExecutor, code: string, basis: Basis): Promise<UnitFigures> {
  return (await unitsFigures(q, [code], basis)).get(code)!;
}

/** unitFigures of several units in two queries: a county and its townships read together. */
export async function unitsFigures(q: SqlExecutor, codes: readonly string[], basis: Basis): Promise<Map<string, UnitFigures>> {
  const out = new Map<string, UnitFigures>();
  const prefixes = codes.map(unitPrefix);
  if (prefixes.some((p) => p === '')) {
    for (const code of codes) out.set(code, await unitFiguresByScan(q, code, basis));
    return out;
  }
  if (basis.knownAt) {
    // An instant after the last posting was recorded cuts nothing off: the answer is the asOf one.
    const last = (await q.query<{ last: unknown }>('select max(recorded_at) as last from postings')).rows[0]?.last;
    if (last === null || last === undefined || basis.knownAt.getTime() < new Date(last as string).getTime()) return unitsFiguresKnownAt(q, codes, { ...basis, knownAt: basis.knownAt });
  }
  const params: unknown[] = [prefixes];
  const asOf = basis.asOf ? `and effective_date <= $${params.push(basis.asOf)}::date` : '';
  const flows = await q.query<UnitFigureRow & { unit_prefix: string }>(
    `select unit_prefix, source, fiscal_year, ${REGION_COLUMNS.map((c) => `sum(${c}) as ${c}`).join(', ')}
     from unit_flows where unit_prefix = any($1::text[]) ${asOf} group by unit_prefix, source, fiscal_year order by unit_prefix, source, fiscal_year`, params);
  const reach = await q.query<{ unit_prefix: string; n: unknown }>(
    `select unit_prefix, sum(households) as n from unit_household_reach where unit_prefix = any($1::text[]) ${asOf} group by unit_prefix`, params);
  codes.forEach((code, i) => {
    const p = prefixes[i];
    out.set(code, unitFiguresOf(flows.rows.filter((r) => r.unit_prefix === p), Number(reach.rows.find((r) => r.unit_prefix === p)?.n ?? 0)));
  });
  return out;
}

/**
 * As the books stood at an instant: from unit_flows_known the hours recorded before the
 * instant's hour and that hour's seconds before the instant's second, the rest of that second
 * from postings (the scan's own rules), and the households reached from each household's
 * receipts with their recording instants.
 */
async function unitsFiguresKnownAt(q: SqlExecutor, codes: readonly string[], basis: Basis & { knownAt: Date }): Promise<Map<string, UnitFigures>> {
  const prefixes = codes.map(unitPrefix);
  const instant = basis.knownAt.toISOString();
  const [hour, second] = [recordedHour(instant), recordedSecond(instant)];
  const params: unknown[] = [prefixes, hour, second];
  const asOf = basis.asOf ? `and effective_date <= $${params.push(basis.asOf)}::date` : '';
  const hours = await q.query<UnitFigureRow & { unit_prefix: string }>(
    `select unit_prefix, source, fiscal_year, ${REGION_COLUMNS.map((c) => `sum(${c}) as ${c}`).join(', ')}
     from unit_flows_known where unit_prefix = any($1::text[]) ${asOf}
       and ((grain = 'hour' and recorded_bucket < $2::timestamptz) or (grain = 'second' and recorded_bucket >= $2::timestamptz and recorded_bucket < $3::timestamptz))
     group by unit_prefix, source, fiscal_year`, params);
  const out = new Map<string, UnitFigures>();
  const reached = await reachKnownAt(q, prefixes, instant, basis.asOf);
  for (const [i, code] of codes.entries()) {
    const tail = await scanFlowRows(q, prefixes[i], basis, second);
    const merged = new Map<string, UnitFigureRow>();
    for (const r of [...hours.rows.filter((x) => x.unit_prefix === prefixes[i]), ...tail]) {
      const k = `${r.source}|${r.fiscal_year}`;
      const m = merged.get(k);
      if (!m) merged.set(k, { ...r });
      else for (const c of REGION_COLUMNS) m[c] = (n(m[c]) + n(r[c])).toString();
    }
    out.set(code, unitFiguresOf([...merged.values()], reached.get(prefixes[i]) ?? 0));
  }
  return out;
}

/**
 * Households of each region reached by an instant (and business date): some receipt recorded and
 * dated by then, while none was ever reversed (their minimal corners say it), or a positive sum
 * of receipts otherwise. Each household is judged once, counted by village, and the villages summed into every region.
 */
async function reachKnownAt(q: SqlExecutor, prefixes: readonly string[], instant: string, asOf: string | undefined): Promise<Map<string, number>> {
  const r = await q.query<{ prefix: string; n: unknown }>(
    `with reached as (
       select h.unit_code from posting_households h
       where exists (select 1 from unnest($1::text[]) p(prefix) where left(h.unit_code, length(p.prefix)) = p.prefix) and case
         when h.corner_recorded is not null then h.corner_recorded <= $2 and h.corner_date <= $3
         when h.corners is not null then exists (select 1 from jsonb_array_elements(h.corners) c where c->>0 <= $2 and c->>1 <= $3)
         when h.receipts = '[]'::jsonb then false
         else (select coalesce(sum((x->>2)::bigint), 0) from jsonb_array_elements(h.receipts) x where x->>0 <= $2 and x->>1 <= $3) > 0 end)
     , by_unit as (select unit_code, count(*) as n from reached group by unit_code)
     select p.prefix, coalesce(sum(b.n), 0) as n from unnest($1::text[]) p(prefix) left join by_unit b on left(b.unit_code, length(p.prefix)) = p.prefix
     group by p.prefix`,
    [[...new Set(prefixes)], instant, asOf ?? '9999-12-31']);
  return new Map(r.rows.map((x) => [x.prefix, Number(x.n)]));
}

/** The reference definition of unitFigures: one pass over the unit's postings. */
export async function unitFiguresByScan(q: SqlExecutor, code: string, basis: Basis): Promise<UnitFigures> {
  const prefix = unitPrefix(code);
  const hParams: unknown[] = [prefix];
  // Households of this unit that received money (from any programme, village or county), net of reversals.
  const households = await q.query<{ n: unknown }>(
    `select count(*) as n from (select p.payee_id from postings p join rm_households h on h.household_id = p.payee_id
       where p.payee_type = 'household' and p.event_type in ('HoldPosted', 'PaymentReversalCredited')
         and left(h.unit_code, length($1)) = $1 and ${basisSql(basis, hParams, 'p')}
       group by p.payee_id having sum(${paidDelta('p')}) > 0) x`, hParams);
  return unitFiguresOf(await scanFlowRows(q, prefix, basis), Number(households.rows[0].n));
}

/** A region's figures by source and year over its postings under the basis (and, for a knownAt tail, recorded from an instant on). */
async function scanFlowRows(q: SqlExecutor, prefix: string, basis: Basis, recordedFrom?: string): Promise<UnitFigureRow[]> {
  const params: unknown[] = [prefix];
  const inS = (col: string) => `(${col} is not null and left(${col}, length($1)) = $1)`;
  // The same rules as flowContributions (postings/unit-rollups.ts), leg by leg, as SQL.
  const inTo = inS('to_unit'), inFrom = inS('from_unit');
  const from = recordedFrom ? ` and recorded_at >= $${params.push(recordedFrom)}::timestamptz` : '';
  const r = await q.query<UnitFigureRow>(
    `select source, fiscal_year,
       coalesce(sum(case when ${inTo} and not ${inFrom} and event_type in ('FundBatchIssued', 'FundsAllocated', 'FundsReturned', 'AllocationFundsReturned') then amount_fen
                         when ${inFrom} and not ${inTo} and event_type in ('FundBatchVoided', 'AllocationVoided') then -amount_fen end), 0) as received,
       coalesce(sum(amount_fen) filter (where ${inFrom} and not ${inTo} and event_type in ('FundsAllocated', 'FundsReturned', 'AllocationFundsReturned')), 0) as returned,
       coalesce(sum(case when event_type = 'FundsAllocated' and to_account like 'batch:%' and ${inFrom} then amount_fen
                         when event_type = 'AllocationVoided' and ${inTo} then -amount_fen end), 0) as allocated,
       coalesce(sum(amount_fen) filter (where event_type = 'FundsAllocated' and to_account like 'line:%'), 0) as committed,
       coalesce(sum(amount_fen) filter (where event_type = 'AllocationFundsReturned'), 0) as returned_from_projects,
       coalesce(sum(${HELD_DELTA}) filter (where ${inFrom}), 0) as held,
       coalesce(sum(${PAID_DELTA}) filter (where ${inFrom} or (event_type = 'PaymentReversalCredited' and ${inTo})), 0) as paid
     from postings where (${inTo} or ${inFrom}) and ${basisSql(basis, params)}${from}
     group by source, fiscal_year order by source, fiscal_year`,
    params,
  );
  return r.rows;
}

export async function unitSummary(q: SqlExecutor, code: string, basis: Basis) {
  const unit = (await q.query<Record<string, unknown>>('select * from rm_admin_units where code = $1', [code])).rows[0];
  if (!unit) return undefined;
  const subs = await q.query<Record<string, unknown>>('select code, name, level from rm_admin_units where parent_code = $1 order by code', [code]);
  const figures = await unitsFigures(q, [code, ...subs.rows.map((s) => String(s.code))], basis);
  const subUnits = subs.rows.map((s) => ({ code: s.code, name: s.name, level: s.level, ...figures.get(String(s.code))! }));
  return { code: unit.code, name: unit.name, level: unit.level, ...figures.get(code)!, subUnits };
}

