/**
 * How the console shows codes, money and dates. The names of codes and figures come from the domain
 * (libs/domain: labels and the figures glossary), the same ones the exports and printed sheets use;
 * money is read and written by the domain's own functions, in fen, never as floating point.
 */
export {
  SOURCE_NAMES, ISSUER_LEVEL_NAMES, BATCH_STATUS_NAMES, PAYMENT_STATUS_NAMES, INSTALLMENT_NAMES, CHANNEL_NAMES, PAYEE_TYPE_NAMES,
  MILESTONE_NAMES, PROJECT_TYPE_NAMES, DISPOSAL_NAMES, CASE_STATUS_NAMES, CASE_SOURCE_NAMES, FINDING_TYPE_NAMES, RECTIFICATION_KIND_NAMES,
  ACCOUNTABILITY_MEASURE_NAMES, HOUSEHOLD_STATUS_NAMES, HOUSEHOLD_CATEGORY_NAMES, POVERTY_CAUSE_NAMES, RELATION_NAMES, UNIT_LEVEL_NAMES,
  SEVERITY_NAMES, MIGRATED_NAMES, nameOf,
} from '../../../../libs/domain/src/labels/labels';
export { FIGURES, BATCH_FIGURES, PROJECT_FIGURES, REGION_FIGURES, type FigureName } from '../../../../libs/domain/src/figures/figures';
import { fenFromFormatted, formatFen, parseYuan, type Fen } from '../../../../libs/domain/src/money';
export { fenFromFormatted, formatFen, parseYuan, type Fen };

/** Yuan as the api gives them ("380000.00") with thousands separators: "380,000.00". */
export function yuan(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const m = /^(-?)([0-9]+)(\.[0-9]+)?$/.exec(amount);
  if (!m) return amount;
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/** The sum of amounts the api gave, in fen, back as the api's yuan string. */
export function sumYuan(amounts: string[]): string {
  return formatFen(amounts.reduce((s, a) => s + fenFromFormatted(a), 0n));
}

/**
 * An amount (fen, or the api's yuan string) as a number of yuan for a chart's geometry only: bar
 * heights, Sankey widths, pie slices. The labels, tooltips and tables beside a chart show the
 * exact strings; this is the one place money becomes a float, and only to be drawn.
 */
export function drawnYuan(amount: bigint | string): number {
  return Number(typeof amount === 'bigint' ? amount : fenFromFormatted(amount)) / 100;
}

/** One amount as a share of another, to one decimal place, computed in integers. */
export function percentOf(part: string, whole: string): string {
  const w = fenFromFormatted(whole);
  if (w === 0n) return '—';
  const tenths = (fenFromFormatted(part) * 1000n) / w;
  return `${tenths / 10n}.${(tenths < 0n ? -tenths : tenths) % 10n}%`;
}

/** A recorded instant in Beijing time, to the second ("2016-05-15 10:30:00"). */
export function instant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const bj = new Date(d.getTime() + 8 * 3600_000);
  return bj.toISOString().replace('T', ' ').slice(0, 19);
}
