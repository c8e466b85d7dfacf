import { insertMany } from '@yuantrace/event-store';
import type { CaseStatus } from '@yuantrace/domain';
import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/**
 * Cases (问题线索 → 核实 → 整改 → 销号): one row per case, and every step with its business date
 * and recorded instant and the status it left the case in, so a list can say which cases stood
 * open or overdue on any date. A step's data is the event's own: the case view folds it with the
 * domain's evolve, so the view and the decider can never disagree on what a case is.
 */
export const casesProjection = typedProjection({
  name: 'cases',
  passCost: 0.3,
  handles: ['CaseOpened', 'CaseFindingRecorded', 'CaseRectificationRecorded', 'CaseClosureProposed', 'CaseClosureRefused', 'CaseClosed'],
  tables: ['rm_cases', 'rm_case_steps'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_cases (
        case_id text primary key, title text not null, source text not null, subject_unit_code text not null, cross_inspection boolean not null,
        due_date date not null, opened_by text not null, status text not null, status_before_proposal text,
        effective_date date not null, recorded_at timestamptz not null);
      create index if not exists rm_cases_unit_idx on rm_cases (subject_unit_code text_pattern_ops);
      create table if not exists rm_case_steps (
        case_id text not null, event_id uuid primary key, seq bigint not null, type text not null, status text not null, actor text, data jsonb not null,
        effective_date date not null, recorded_at timestamptz not null);
      create index if not exists rm_case_steps_idx on rm_case_steps (case_id, seq)`);
  },
  async apply(tx, events) {
    // Each case's status as it stands before this batch, then moved event by event.
    const ids = [...new Set(events.filter((e) => e.type !== 'CaseOpened').map((e) => e.data.caseId))];
    const now = new Map<string, { status: CaseStatus; before: CaseStatus | null }>();
    if (ids.length) {
      const r = await tx.query<{ case_id: string; status: CaseStatus; status_before_proposal: CaseStatus | null }>(
        'select case_id, status, status_before_proposal from rm_cases where case_id = any($1::text[])', [ids]);
      for (const row of r.rows) now.set(row.case_id, { status: row.status, before: row.status_before_proposal });
    }
    const cases: unknown[][] = [];
    const steps: unknown[][] = [];
    for (const e of events) {
      const id = e.data.caseId;
      const s = now.get(id) ?? { status: 'open' as CaseStatus, before: null };
      switch (e.type) {
        case 'CaseOpened': {
          const x = e.data;
          cases.push([x.caseId, x.title, x.source, x.subjectUnitCode, x.crossInspection, x.dueDate, x.openedBy, 'open', null, x.effectiveDate, e.recordedAt.toISOString()]);
          s.status = 'open';
          break;
        }
        case 'CaseFindingRecorded':
          if (s.status === 'open') s.status = 'verifying';
          break;
        case 'CaseRectificationRecorded':
          s.status = 'rectifying';
          break;
        case 'CaseClosureProposed':
          [s.before, s.status] = [s.status, 'closure_proposed'];
          break;
        case 'CaseClosureRefused':
          s.status = s.before ?? 'open';
          break;
        case 'CaseClosed':
          s.status = 'closed';
          break;
      }
      now.set(id, s);
      const actor = (e.metadata.actor as { principalId?: string } | undefined)?.principalId ?? null;
      steps.push([id, e.id, e.revision.toString(), e.type, s.status, actor, JSON.stringify(e.data), e.data.effectiveDate, e.recordedAt.toISOString()]);
    }
    await insertMany(tx, 'rm_cases', ['case_id', 'title', 'source', 'subject_unit_code', 'cross_inspection', 'due_date', 'opened_by', 'status', 'status_before_proposal',
      'effective_date', 'recorded_at'], ['', '', '', '', 'boolean', 'date', '', '', '', 'date', 'timestamptz'], cases);
    await insertMany(tx, 'rm_case_steps', ['case_id', 'event_id', 'seq', 'type', 'status', 'actor', 'data', 'effective_date', 'recorded_at'],
      ['', 'uuid', 'bigint', '', '', '', 'jsonb', 'date', 'timestamptz'], steps);
    for (const [id, s] of now) {
      await tx.query('update rm_cases set status = $2, status_before_proposal = $3 where case_id = $1', [id, s.status, s.before]);
    }
  },
});
