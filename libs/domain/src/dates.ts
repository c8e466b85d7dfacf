import { invalid, ruleBroken } from './rejection';

/** Business dates are calendar days, YYYY-MM-DD, and must exist (no 2023-02-30). */
export type BusinessDate = string;

export function assertDate(value: unknown, field: string): BusinessDate {
  if (typeof value !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) {
    throw invalid('invalid_date', `${field} must be a date YYYY-MM-DD`, field);
  }
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw invalid('invalid_date', `${field} is not a date that exists: ${value}`, field);
  }
  if (value < '1949-10-01' || value > '2100-12-31') throw invalid('invalid_date', `${field} is out of range: ${value}`, field);
  return value;
}

/** Today's date in Asia/Shanghai (UTC+8, no daylight saving), the calendar business dates are kept in. */
export const shanghaiToday = (now: Date): BusinessDate => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/** A business date after today has not happened yet: the ledger records what happened. */
export function assertNotAfterToday(date: BusinessDate, today: BusinessDate, field: string): void {
  if (date > today) throw ruleBroken('date_in_future', `${field} ${date} is after today (${today}, Asia/Shanghai)`, field);
}
