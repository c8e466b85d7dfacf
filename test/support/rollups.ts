import { expect } from '@jest/globals';
import type { SqlExecutor } from '@yuantrace/event-store';
import { unitFigures, unitFiguresByScan } from '@yuantrace/read-models';

/**
 * The unit rollups must say exactly what the scan over postings says, for every unit and at
 * every business date where something happened (and the day before each).
 */
export async function expectRollupsToMatchScan(db: SqlExecutor): Promise<number> {
  const units = (await db.query<{ code: string }>('select code from rm_admin_units order by code')).rows.map((r) => r.code);
  const dates = (await db.query<{ d: string }>(`select distinct to_char(effective_date, 'YYYY-MM-DD') as d from postings order by 1`)).rows.map((r) => r.d);
  const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const step = Math.max(1, Math.floor(dates.length / 12));
  const asOfs = [undefined, ...dates.filter((_, i) => i % step === 0).flatMap((d) => [d, dayBefore(d)]), dates[dates.length - 1]];
  let compared = 0;
  for (const code of units) {
    for (const asOf of asOfs) {
      const basis = asOf ? { asOf } : {};
      expect({ code, asOf, ...(await unitFigures(db, code, basis)) }).toEqual({ code, asOf, ...(await unitFiguresByScan(db, code, basis)) });
      compared++;
    }
  }
  return compared;
}
