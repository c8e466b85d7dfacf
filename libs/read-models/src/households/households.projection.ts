import type { Projection } from '@yuantrace/projections';
import { runDdl } from '../shared/ddl';

/** The registry as readers see it: members with vault refs and masked numbers only, and each status change dated on both axes. */
export const householdsProjection: Projection = {
  name: 'households',
  tables: ['rm_households', 'rm_household_status'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_households (
        household_id text primary key, unit_code text not null, category text not null, causes jsonb not null, members jsonb not null,
        registered_on date not null, recorded_at timestamptz not null);
      create index if not exists rm_households_unit_idx on rm_households (unit_code text_pattern_ops);
      create table if not exists rm_household_status (
        household_id text not null, event_id uuid primary key, status text not null, reason text not null, document_no text,
        effective_date date not null, recorded_at timestamptz not null)`);
  },
  async apply(tx, events) {
    for (const e of events) {
      const x = e.data as Record<string, any>;
      if (e.type === 'HouseholdRegistered') {
        await tx.query(`insert into rm_households values ($1, $2, $3, $4::jsonb, $5::jsonb, $6::date, $7::timestamptz) on conflict do nothing`,
          [x.householdId, x.unitCode, x.category, JSON.stringify(x.causes), JSON.stringify(x.members), x.registeredOn, e.recordedAt.toISOString()]);
      } else if (e.type === 'HouseholdStatusChanged') {
        await tx.query(`insert into rm_household_status values ($1, $2, $3, $4, $5, $6::date, $7::timestamptz) on conflict do nothing`,
          [x.householdId, e.id, x.status, x.reason, x.documentNo, x.date, e.recordedAt.toISOString()]);
      }
    }
  },
};
