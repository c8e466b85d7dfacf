import { notFound, withinScope, type Principal } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { describeBasis, type Basis } from '@yuantrace/read-models';

/** An unknown id is a 404 naming it; a known one that did not exist under the basis says so, never an empty silence. */
export function missing(what: string, id: string, existsAtAll: boolean, basis: Basis) {
  if (!existsAtAll) return notFound(`${what.replace(/ /g, '_')}_not_found`, `${what} ${id} does not exist`, 'id');
  const b = describeBasis(basis);
  return notFound('not_found_as_of', `${what} ${id} had not been recorded ${b.asOf ? `by ${b.asOf}` : ''}${b.asOf && b.knownAt ? ' as known ' : ''}${b.knownAt ? `at ${b.knownAt}` : ''}`.trim(), b.asOf ? 'asOf' : 'knownAt');
}

const UNIT_OF = {
  'fund batch': 'select recipient_unit_code as unit from rm_batches where batch_id = $1',
  project: 'select unit_code as unit from rm_projects where project_id = $1',
  payment: 'select unit_code as unit from rm_payments where payment_id = $1',
  household: 'select unit_code as unit from rm_households where household_id = $1',
} as const;

/**
 * Scope first, before existence and before any time cut: a record outside the reader's region
 * answers exactly as a record that does not exist (same status, code and message), so a reader
 * learns nothing of what lies outside their region, not even that it exists or when it was
 * recorded. Returns once the record exists and lies in scope; the view is read after.
 */
export async function placeInScope(db: SqlExecutor, reader: Principal | undefined, what: keyof typeof UNIT_OF, id: string): Promise<void> {
  const r = await db.query<{ unit: string }>(UNIT_OF[what], [id]);
  placeUnitInScope(reader, what, id, r.rows[0]?.unit);
}

/** placeInScope for a record whose unit a view has read already (undefined: no such record). */
export function placeUnitInScope(reader: Principal | undefined, what: keyof typeof UNIT_OF, id: string, unit: string | undefined): void {
  if (unit === undefined || (reader && !withinScope(reader.scope, unit))) throw missing(what, id, false, {});
}
