import { enclosingPrefixes } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { insertMany, rowsByKeys } from '@yuantrace/event-store';
import { heldDeltaOf, paidDeltaOf } from '../shared/figure-sql';

/**
 * Rollups of postings by unit, so that "this county and its townships, as of a date" reads a
 * few hundred pre-summed rows instead of every posting below the county.
 *
 *   unit_flows            per unit prefix (every enclosing unit of a leg's units), source,
 *                         fiscal year and business date: the region figures of the glossary
 *                         (received from outside, returned out, allocated down, committed to
 *                         projects, returned from projects, held and paid inside it).
 *                         The definitions are those of the scan over postings (unitFiguresByScan),
 *                         which stays as the reference and answers knownAt.
 *   unit_household_reach  per unit prefix and business date: +1 on the day a household of the unit
 *                         first has received more than was reversed, -1 on a day it falls back to
 *                         nothing; summed up to a date it counts the households reached by then.
 *   posting_households    per household: its unit and its net receipts by business date, the state
 *                         that turns a payment or reversal into those ±1 steps; and every receipt
 *                         with its recording instant (and, while none was reversed, only the
 *                         earliest corners), which answers "reached" as known at any instant.
 *   unit_flows_known      unit_flows by the time each leg was recorded, at two grains: the UTC hour
 *                         and the second. A knownAt read sums the hours before the instant's hour,
 *                         the seconds of that hour before the instant's second, and scans only the
 *                         postings of that second (a bulk load records a county within one hour).
 */
export const UNIT_ROLLUPS_DDL = `
create table if not exists unit_flows (
  unit_prefix text not null, source text not null, fiscal_year int not null, effective_date date not null,
  received bigint not null, returned bigint not null, allocated bigint not null, committed bigint not null, returned_from_projects bigint not null,
  held bigint not null, paid bigint not null,
  primary key (unit_prefix, effective_date, source, fiscal_year)
);
create table if not exists posting_households (household_id text primary key, unit_code text not null, net_by_date jsonb not null,
  receipts jsonb not null default '[]', corners jsonb, corner_recorded text, corner_date text);
create table if not exists unit_flows_known (
  unit_prefix text not null, grain text not null, recorded_bucket timestamptz not null, source text not null, fiscal_year int not null, effective_date date not null,
  received bigint not null, returned bigint not null, allocated bigint not null, committed bigint not null, returned_from_projects bigint not null,
  held bigint not null, paid bigint not null,
  primary key (unit_prefix, grain, recorded_bucket, effective_date, source, fiscal_year)
);
create table if not exists unit_household_reach (
  unit_prefix text not null, effective_date date not null, households int not null, primary key (unit_prefix, effective_date)
)`;

export const UNIT_ROLLUP_TABLES = ['unit_flows', 'posting_households', 'unit_household_reach', 'unit_flows_known'];

/** The hour and the second (UTC) an instant falls in, as the knownAt rollups key it: computed here, never by the session's time zone. */
export const recordedHour = (iso: string) => `${iso.slice(0, 13)}:00:00.000Z`;
export const recordedSecond = (iso: string) => `${iso.slice(0, 19)}.000Z`;

/** A receipt as posting_households keeps it: [recorded instant (ISO, UTC), business date, signed fen]. */
export type Receipt = [recordedAt: string, effectiveDate: string, signed: string];

/**
 * The receipts' minimal corners while none is negative: a household counts as reached at
 * (knownAt K, asOf A) exactly when some receipt was recorded by K and dated by A, so only the
 * receipts no other one dominates (earlier on both axes) matter. null once any is negative:
 * then the sum over all receipts decides.
 */
export function reachCorners(receipts: readonly Receipt[]): Array<[string, string]> | null {
  if (receipts.some(([, , v]) => BigInt(v) <= 0n)) return null;
  const sorted = [...receipts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const corners: Array<[string, string]> = [];
  for (const [rec, eff] of sorted) if (!corners.some(([, e]) => e <= eff)) corners.push([rec, eff]);
  return corners;
}

/** What the rollups need of one posted leg. */
export type RolledLeg = {
  eventType: string; to: string; fromUnit: string | null; toUnit: string | null; amount: bigint; source: string; fiscalYear: number; effectiveDate: string;
  payee: { type: string; id: string } | null;
  /** The event's recording instant (ISO, UTC). */
  recordedAt: string;
};

const RECEIVED = new Set(['FundBatchIssued', 'FundsAllocated', 'FundsReturned', 'AllocationFundsReturned']);
const RETURNED = new Set(['FundsAllocated', 'FundsReturned', 'AllocationFundsReturned']);
/** Voids take back what the voided issue or allocation brought in. */
const VOIDS = new Set(['FundBatchVoided', 'AllocationVoided']);
type Figures = [received: bigint, returned: bigint, allocated: bigint, committed: bigint, returnedFromProjects: bigint, held: bigint, paid: bigint];

/** A leg's contribution to each unit it touches. Same rules as the scan, unit by unit. */
export function flowContributions(leg: RolledLeg): Array<{ unit: string; figures: Figures }> {
  const from = new Set(enclosingPrefixes(leg.fromUnit));
  const to = new Set(enclosingPrefixes(leg.toUnit));
  const out: Array<{ unit: string; figures: Figures }> = [];
  const t = leg.eventType, a = leg.amount;
  for (const unit of new Set([...from, ...to])) {
    const inFrom = from.has(unit), inTo = to.has(unit);
    const received = inTo && !inFrom && RECEIVED.has(t) ? a : inFrom && !inTo && VOIDS.has(t) ? -a : 0n;
    const returned = inFrom && !inTo && RETURNED.has(t) ? a : 0n;
    const allocated = t === 'FundsAllocated' && leg.to.startsWith('batch:') && inFrom ? a : t === 'AllocationVoided' && inTo ? -a : 0n;
    const committed = t === 'FundsAllocated' && leg.to.startsWith('line:') ? a : 0n;
    const returnedFromProjects = t === 'AllocationFundsReturned' ? a : 0n;
    const held = inFrom ? heldDeltaOf(t, a) : 0n;
    const paid = inFrom || (t === 'PaymentReversalCredited' && inTo) ? paidDeltaOf(t, a) : 0n;
    out.push({ unit, figures: [received, returned, allocated, committed, returnedFromProjects, held, paid] });
  }
  return out;
}

/** The days on which "has received something, net" turns on (+1) or off (-1). */
export function reachSteps(netByDate: Record<string, string>): Map<string, number> {
  const steps = new Map<string, number>();
  let total = 0n, reached = false;
  for (const date of Object.keys(netByDate).sort()) {
    total += BigInt(netByDate[date]);
    if (total > 0n !== reached) {
      reached = !reached;
      steps.set(date, reached ? 1 : -1);
    }
  }
  return steps;
}

/** Adds one leg's figures into a row's sums. */
function addInto(sums: Figures, figures: Figures) {
  for (let i = 0; i < sums.length; i++) sums[i] += figures[i];
}

/** The canonical order of a household's receipts: by their fields joined with '|'. */
const receiptKey = (r: Receipt) => r.join('|');

/**
 * Puts a receipt into receipts kept in canonical order. A pass meets a household's receipts in
 * the order they were recorded, so the place is nearly always the end: that is tried first.
 */
export function insertReceipt(receipts: Receipt[], receipt: Receipt) {
  const key = receiptKey(receipt);
  let lo = 0, hi = receipts.length;
  if (hi > 0 && receiptKey(receipts[hi - 1]) <= key) lo = hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (receiptKey(receipts[mid]) <= key) lo = mid + 1;
    else hi = mid;
  }
  receipts.splice(lo, 0, receipt);
}

type HouseholdState = { unit: string; net: Record<string, string>; receipts: Receipt[]; dirty: boolean };

/** Accumulates one batch's rollup changes in memory and writes them in a few statements. */
export class UnitRollups {
  private readonly flows = new Map<string, { key: [string, string, number, string]; figures: Figures }>();
  private readonly flowsKnown = new Map<string, { key: [string, string, string, string, number, string]; figures: Figures }>();
  private readonly reach = new Map<string, number>();
  private readonly households = new Map<string, HouseholdState>();

  /** A household's unit, from its registration (payments to households carry only the id). */
  registered(householdId: string, unitCode: string) {
    if (!this.households.has(householdId)) this.households.set(householdId, { unit: unitCode, net: {}, receipts: [], dirty: true });
  }

  /** Loads the households these legs pay or reverse, before add() is called with them. */
  async load(tx: SqlExecutor, legs: readonly RolledLeg[]) {
    const ids = new Set<string>();
    for (const l of legs) if (l.payee?.type === 'household' && !this.households.has(l.payee.id)) ids.add(l.payee.id);
    if (!ids.size) return;
    const rows = await rowsByKeys<{ household_id: string; unit_code: string; net_by_date: Record<string, string>; receipts: Receipt[] }>(tx, 'posting_households',
      'household_id', [...ids], ['unit_code', 'net_by_date', 'receipts']);
    for (const h of rows) this.households.set(h.household_id, { unit: h.unit_code, net: h.net_by_date, receipts: h.receipts, dirty: false });
  }

  // Called for every leg of a pass (millions in a county's rebuild): the sums are added in place and
  // each receipt is put where it belongs, not the household's receipts copied and sorted again.
  add(leg: RolledLeg) {
    const grains: Array<[string, string]> = [['hour', recordedHour(leg.recordedAt)], ['second', recordedSecond(leg.recordedAt)]];
    for (const { unit, figures } of flowContributions(leg)) {
      const k = `${unit}|${leg.source}|${leg.fiscalYear}|${leg.effectiveDate}`;
      const row = this.flows.get(k);
      if (!row) this.flows.set(k, { key: [unit, leg.source, leg.fiscalYear, leg.effectiveDate], figures: [...figures] as Figures });
      else addInto(row.figures, figures);
      for (const [grain, bucket] of grains) {
        const kk = `${k}|${grain}|${bucket}`;
        const known = this.flowsKnown.get(kk);
        if (!known) this.flowsKnown.set(kk, { key: [unit, grain, bucket, leg.source, leg.fiscalYear, leg.effectiveDate], figures: [...figures] as Figures });
        else addInto(known.figures, figures);
      }
    }
    const signed = paidDeltaOf(leg.eventType, leg.amount);
    const household = leg.payee?.type === 'household' && signed !== 0n ? this.households.get(leg.payee.id) : undefined;
    if (!household) return;
    const before = reachSteps(household.net);
    household.net[leg.effectiveDate] = (BigInt(household.net[leg.effectiveDate] ?? '0') + signed).toString();
    // Kept in a canonical order, so the row is the same however the log was cut into batches.
    insertReceipt(household.receipts, [leg.recordedAt, leg.effectiveDate, signed.toString()]);
    household.dirty = true;
    const after = reachSteps(household.net);
    for (const date of new Set([...before.keys(), ...after.keys()])) {
      const delta = (after.get(date) ?? 0) - (before.get(date) ?? 0);
      if (!delta) continue;
      for (const unit of enclosingPrefixes(household.unit)) this.reach.set(`${unit}|${date}`, (this.reach.get(`${unit}|${date}`) ?? 0) + delta);
    }
  }

  async flush(tx: SqlExecutor) {
    const flowRows = [...this.flows.values()].map(({ key, figures }) => [...key, ...figures.map(String)]);
    const figureColumns = ['received', 'returned', 'allocated', 'committed', 'returned_from_projects', 'held', 'paid'];
    await insertMany(tx, 'unit_flows', ['unit_prefix', 'source', 'fiscal_year', 'effective_date', ...figureColumns],
      ['', '', 'int', 'date', ...figureColumns.map(() => 'bigint')], flowRows,
      `on conflict (unit_prefix, effective_date, source, fiscal_year) do update set
         ${figureColumns.map((c) => `${c} = unit_flows.${c} + excluded.${c}`).join(', ')}`);
    const knownRows = [...this.flowsKnown.values()].map(({ key, figures }) => [...key, ...figures.map(String)]);
    await insertMany(tx, 'unit_flows_known', ['unit_prefix', 'grain', 'recorded_bucket', 'source', 'fiscal_year', 'effective_date', ...figureColumns],
      ['', '', 'timestamptz', '', 'int', 'date', ...figureColumns.map(() => 'bigint')], knownRows,
      `on conflict (unit_prefix, grain, recorded_bucket, effective_date, source, fiscal_year) do update set
         ${figureColumns.map((c) => `${c} = unit_flows_known.${c} + excluded.${c}`).join(', ')}`);
    const dirty = [...this.households.entries()].filter(([, h]) => h.dirty).map(([id, h]) => {
      const corners = reachCorners(h.receipts);
      // Most households have one corner (their first receipt is both the first recorded and the first dated): kept as plain columns.
      const single = corners?.length === 1 ? corners[0] : null;
      return [id, h.unit, JSON.stringify(h.net), JSON.stringify(h.receipts), corners === null || single ? null : JSON.stringify(corners), single?.[0] ?? null,
        single?.[1] ?? null];
    });
    await insertMany(tx, 'posting_households', ['household_id', 'unit_code', 'net_by_date', 'receipts', 'corners', 'corner_recorded', 'corner_date'],
      ['', '', 'jsonb', 'jsonb', 'jsonb', '', ''], dirty,
      `on conflict (household_id) do update set net_by_date = excluded.net_by_date, receipts = excluded.receipts, corners = excluded.corners,
         corner_recorded = excluded.corner_recorded, corner_date = excluded.corner_date`);
    const reachRows = [...this.reach.entries()].filter(([, v]) => v !== 0).map(([k, v]) => [...k.split('|'), v]);
    const touched = await insertMany<{ unit_prefix: string; effective_date: unknown; households: number }>(tx, 'unit_household_reach',
      ['unit_prefix', 'effective_date', 'households'], ['', 'date', 'int'], reachRows,
      'on conflict (unit_prefix, effective_date) do update set households = unit_household_reach.households + excluded.households',
      'unit_prefix, effective_date, households');
    // A step taken in one batch and undone in a later one leaves a zero row that a rebuild in
    // other batch sizes would never write; remove it so live and rebuilt tables compare equal.
    const zeros = touched.filter((r) => Number(r.households) === 0);
    if (zeros.length) {
      await tx.query(`delete from unit_household_reach where households = 0 and unit_prefix = any($1::text[])`, [[...new Set(zeros.map((z) => z.unit_prefix))]]);
    }
  }
}
