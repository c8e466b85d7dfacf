import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/** Project headers and their milestones (the timeline); funding, held and paid figures come from postings. */
export const projectsProjection = typedProjection({
  name: 'projects',
  readsMetadata: false,
  passCost: 6,
  handles: ['ProjectProposed', 'ProjectMilestoneRecorded'],
  // 2: milestones.
  version: 2,
  tables: ['rm_projects', 'rm_project_milestones'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_projects (
        project_id text primary key, name text not null, type text not null, unit_code text not null, implementer text not null,
        budget_fen bigint not null, planned_start date not null, planned_end date not null, recorded_at timestamptz not null);
      create index if not exists rm_projects_unit_idx on rm_projects (unit_code text_pattern_ops);
      create table if not exists rm_project_milestones (
        project_id text not null, milestone_id text not null, kind text not null, effective_date date not null, percent_complete int, result text,
        public_until date, document_no text, note text, recorded_at timestamptz not null, primary key (project_id, milestone_id))`);
  },
  async apply(tx, events) {
    for (const e of events) {
      if (e.type === 'ProjectMilestoneRecorded') {
        const m = e.data;
        await tx.query(`insert into rm_project_milestones values ($1, $2, $3, $4::date, $5, $6, $7::date, $8, $9, $10::timestamptz) on conflict do nothing`,
          [m.projectId, m.milestoneId, m.kind, m.date, m.percentComplete, m.result, m.publicUntil, m.documentNo, m.note, e.recordedAt.toISOString()]);
        continue;
      }
      const x = e.data;
      await tx.query(`insert into rm_projects values ($1, $2, $3, $4, $5, $6::bigint, $7::date, $8::date, $9::timestamptz) on conflict do nothing`,
        [x.projectId, x.name, x.type, x.unitCode, x.implementer, x.budgetFen, x.plannedStart, x.plannedEnd, e.recordedAt.toISOString()]);
    }
  },
});
