import { insertMany } from '@yuantrace/event-store';
import type { EventOf, LedgerEventType } from '@yuantrace/domain';
import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/** The region tree, and which unit each stream belongs to (the audit log filters by scope with it). */
export const adminUnitsProjection = typedProjection({
  name: 'admin_units',
  readsMetadata: false,
  passCost: 24,
  // The units themselves, and the first event of each kind of stream that names the unit it belongs to.
  handles: ['AdminUnitRegistered', 'AdminUnitRenamed', 'FundBatchIssued', 'ProjectProposed', 'HouseholdRegistered', 'PaymentRequested', 'RosterPersonRecorded', 'CaseOpened'],
  tables: ['rm_admin_units', 'rm_stream_units'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_admin_units (
        code text primary key, name text not null, level text not null, parent_code text, recorded_at timestamptz not null);
      create index if not exists rm_admin_units_parent_idx on rm_admin_units (parent_code);
      create table if not exists rm_stream_units (stream_id text primary key, unit_code text not null)`);
  },
  async apply(tx, events) {
    const streamUnits = new Map<string, string>();
    for (const e of events) {
      if (e.type === 'AdminUnitRegistered') {
        const x = e.data;
        await tx.query('insert into rm_admin_units values ($1, $2, $3, $4, $5::timestamptz) on conflict do nothing',
          [x.code, x.name, x.level, x.parentCode, e.recordedAt.toISOString()]);
      } else if (e.type === 'AdminUnitRenamed') {
        await tx.query('update rm_admin_units set name = $2 where code = $1', [e.data.code, e.data.name]);
      }
      // The first event of a stream that names a unit places the stream in the region tree.
      const unit = unitOfEvent(e.type, e.data);
      if (unit && !streamUnits.has(e.streamId)) streamUnits.set(e.streamId, unit);
    }
    await insertMany(tx, 'rm_stream_units', ['stream_id', 'unit_code'], [], [...streamUnits]);
  },
});

/** A text field of D, or a text field of one of its object fields: renaming it in the domain fails the typecheck here. */
type TextKeys<D> = { [K in keyof D & string]-?: D[K] extends string ? K : never }[keyof D & string];
type UnitPath<D> = readonly [TextKeys<D>] | { [K in keyof D & string]-?: D[K] extends object ? readonly [K, TextKeys<D[K]>] : never }[keyof D & string];

/**
 * Where an event names the admin unit its stream belongs to: the path to that field in its data.
 * One table for unitOfEvent and for the event index's statements over the log (unitSql).
 */
export const UNIT_FIELDS: { readonly [T in LedgerEventType]?: UnitPath<EventOf<T>['data']> } = {
  AdminUnitRegistered: ['code'],
  FundBatchIssued: ['recipientUnitCode'],
  ProjectProposed: ['unitCode'],
  HouseholdRegistered: ['unitCode'],
  PaymentRequested: ['unitCode'],
  CaseOpened: ['subjectUnitCode'],
  FundsHeld: ['request', 'unitCode'],
  RosterPersonRecorded: ['unitCode'],
};

/** The admin unit an event places its stream in, if it names one (a non-empty text). */
export function unitOfEvent(type: string, data: unknown): string | undefined {
  const path: readonly string[] | undefined = UNIT_FIELDS[type as LedgerEventType];
  if (!path) return undefined;
  let v = data;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** unitOfEvent as an SQL expression over a relation with `type` and `data` (jsonb) columns, aliased `alias`. */
export function unitSql(alias: string): string {
  const cases = Object.entries(UNIT_FIELDS).map(([type, path]) => {
    const at = `'{${(path as readonly string[]).join(',')}}'`;
    return `when '${type}' then case when jsonb_typeof(${alias}.data #> ${at}) = 'string' then nullif(${alias}.data #>> ${at}, '') end`;
  });
  return `case ${alias}.type ${cases.join(' ')} end`;
}
