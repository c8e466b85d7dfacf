import { appendRows, insertMany } from '@yuantrace/event-store';
import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/** The registry as readers see it: members with vault refs and masked numbers only, and each status change dated on both axes. */
export const householdsProjection = typedProjection({
  name: 'households',
  readsMetadata: false,
  passCost: 5,
  handles: ['HouseholdRegistered', 'HouseholdStatusChanged'],
  tables: ['rm_households', 'rm_household_status'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_households (
        household_id text primary key, unit_code text not null, category text not null, causes jsonb not null, members jsonb not null,
        registered_on date not null, recorded_at timestamptz not null);
      create index if not exists rm_households_unit_idx on rm_households (unit_code text_pattern_ops);
      create index if not exists rm_households_members_idx on rm_households using gin (members jsonb_path_ops);
      create table if not exists rm_household_status (
        household_id text not null, event_id uuid primary key, status text not null, reason text not null, document_no text,
        effective_date date not null, recorded_at timestamptz not null);
      create index if not exists rm_household_status_household_idx on rm_household_status (household_id)`);
  },
  async apply(tx, events) {
    const households: unknown[][] = [], statuses: unknown[][] = [];
    for (const e of events) {
      if (e.type === 'HouseholdRegistered') {
        const x = e.data;
        households.push([x.householdId, x.unitCode, x.category, JSON.stringify(x.causes), JSON.stringify(x.members), x.registeredOn, e.recordedAt.toISOString()]);
      } else {
        const x = e.data;
        statuses.push([x.householdId, e.id, x.status, x.reason, x.documentNo, x.date, e.recordedAt.toISOString()]);
      }
    }
    await insertMany(tx, 'rm_households', ['household_id', 'unit_code', 'category', 'causes', 'members', 'registered_on', 'recorded_at'],
      ['', '', '', 'jsonb', 'jsonb', 'date', 'timestamptz'], households);
    await appendRows(tx, 'rm_household_status', ['household_id', 'event_id', 'status', 'reason', 'document_no', 'effective_date', 'recorded_at'],
      ['', 'uuid', '', '', '', 'date', 'timestamptz'], statuses);
  },
});
