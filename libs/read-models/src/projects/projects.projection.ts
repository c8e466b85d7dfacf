import type { Projection } from '@yuantrace/projections';
import { runDdl } from '../shared/ddl';

/** Project headers; funding, held and paid figures come from postings. */
export const projectsProjection: Projection = {
  name: 'projects',
  tables: ['rm_projects'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_projects (
        project_id text primary key, name text not null, type text not null, unit_code text not null, implementer text not null,
        budget_fen bigint not null, planned_start date not null, planned_end date not null, recorded_at timestamptz not null);
      create index if not exists rm_projects_unit_idx on rm_projects (unit_code text_pattern_ops)`);
  },
  async apply(tx, events) {
    for (const e of events) {
      if (e.type !== 'ProjectProposed') continue;
      const x = e.data as Record<string, any>;
      await tx.query(`insert into rm_projects values ($1, $2, $3, $4, $5, $6::bigint, $7::date, $8::date, $9::timestamptz) on conflict do nothing`,
        [x.projectId, x.name, x.type, x.unitCode, x.implementer, x.budgetFen, x.plannedStart, x.plannedEnd, e.recordedAt.toISOString()]);
    }
  },
};
