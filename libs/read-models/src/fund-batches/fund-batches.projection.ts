import { appendRows } from '@yuantrace/event-store';
import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/** Batch headers (with their lineage) and allocation lines; money figures come from postings. */
export const fundBatchesProjection = typedProjection({
  name: 'fund_batches',
  readsMetadata: false,
  passCost: 2,
  // Headers, allocation lines and a batch's life: the money events are the postings' (a county's 1.2 million holds and
  // payments were written here too, as a timeline no view read, and took a fifth of this lane's pass).
  handles: ['FundBatchIssued', 'FundsAllocated', 'FundBatchClosed', 'FundBatchVoided'],
  // 2: each batch event keeps its detail (a closure's disposal, a void's reason and replacement).
  // 3: batch events keyed by nothing: no read looks one up by event, and a random uuid key was the costliest part of writing them.
  // 4: only the events of a batch's life (issued, allocating, closed, voided).
  version: 4,
  tables: ['rm_batches', 'rm_allocations', 'rm_batch_events'],
  // A batch's life (closed, voided) is read by every view of it: rm_batch_events_life_idx indexes those events alone.
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_batches (
        batch_id text primary key, parent_batch_id text, allocation_id text, root_batch_id text not null, root_document_no text not null,
        document_no text not null, title text not null, source text not null, issuer_level text not null, recipient_unit_code text not null,
        fiscal_year int not null, purpose text not null, counts_toward_household_share boolean not null, amount_fen bigint not null,
        effective_date date not null, recorded_at timestamptz not null);
      create index if not exists rm_batches_parent_idx on rm_batches (parent_batch_id);
      create table if not exists rm_allocations (
        batch_id text not null, allocation_id text not null, target_type text not null, target_batch_id text, target_unit_code text,
        project_id text, amount_fen bigint not null, document_no text not null, effective_date date not null, recorded_at timestamptz not null,
        primary key (batch_id, allocation_id));
      create index if not exists rm_allocations_project_idx on rm_allocations (project_id);
      create table if not exists rm_batch_events (
        batch_id text not null, event_id uuid not null, event_type text not null, effective_date date not null, recorded_at timestamptz not null,
        detail jsonb);
      create index if not exists rm_batch_events_life_idx on rm_batch_events (batch_id) where event_type in ('FundBatchClosed', 'FundBatchVoided')`);
  },
  async apply(tx, events) {
    const batchEvents: unknown[][] = [];
    for (const e of events) {
      if (e.type === 'FundBatchIssued') {
        const x = e.data;
        await tx.query(
          `insert into rm_batches values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::bigint, $15::date, $16::timestamptz) on conflict do nothing`,
          [x.batchId, x.parentBatchId, x.allocationId, x.rootBatchId, x.rootDocumentNo, x.documentNo, x.title, x.source, x.issuerLevel, x.recipientUnitCode,
            x.fiscalYear, x.purpose, x.countsTowardHouseholdShare, x.amountFen, x.effectiveDate, e.recordedAt.toISOString()]);
      } else if (e.type === 'FundsAllocated') {
        const x = e.data, t = x.target;
        await tx.query(
          `insert into rm_allocations values ($1, $2, $3, $4, $5, $6, $7::bigint, $8, $9::date, $10::timestamptz) on conflict do nothing`,
          [x.batchId, x.allocationId, t.type, t.type === 'batch' ? t.batchId : null, t.type === 'batch' ? t.recipientUnitCode : null,
            t.type === 'project' ? t.projectId : null, x.amountFen, x.documentNo, x.effectiveDate, e.recordedAt.toISOString()]);
      }
      // The batch's life, dated on both axes; a closure and a void keep what the views show of them.
      const detail = e.type === 'FundBatchClosed' ? { disposal: e.data.disposal ?? 'none', carriedOverTo: e.data.carriedOverTo ?? null, unallocated: e.data.balanceFen }
        : e.type === 'FundBatchVoided' ? { reason: e.data.reason, replacedBy: e.data.replacedBy } : null;
      batchEvents.push([e.data.batchId, e.id, e.type, e.data.effectiveDate, e.recordedAt.toISOString(), detail === null ? null : JSON.stringify(detail)]);
    }
    await appendRows(tx, 'rm_batch_events', ['batch_id', 'event_id', 'event_type', 'effective_date', 'recorded_at', 'detail'],
      ['', 'uuid', '', 'date', 'timestamptz', 'jsonb'], batchEvents);
  },
});
