import type { LedgerEventType } from '@yuantrace/domain';
import { appendRows, insertMany, rowsByKeys, type RecordedEvent, type SqlExecutor } from '@yuantrace/event-store';
import type { Projection } from '@yuantrace/projections';
import { unitOfEvent, unitSql } from '../admin-units/admin-units.projection';
import { runDdl } from '../shared/ddl';

/** The audit log's filters read through these; apply() does not. */
const EVENT_INDEX_READ_INDEXES = [
  'create index if not exists rm_event_index_actor_idx on rm_event_index (actor, commit_position, prepare_position)',
  'create index if not exists rm_event_index_type_idx on rm_event_index (type, commit_position, prepare_position)',
  'create index if not exists rm_event_index_kind_idx on rm_event_index (stream_kind, commit_position, prepare_position)',
  'create index if not exists rm_event_index_recorded_idx on rm_event_index (recorded_at)',
  'create index if not exists rm_event_index_event_idx on rm_event_index (event_id)',
];

/**
 * One row per event of the log, every type: who recorded it, when, on which business date, in
 * which stream and region. The audit log's filters (type, stream kind, actor, time ranges) and an
 * official's activity read this index and then fetch the events themselves from the store, so
 * they work alike on PostgreSQL, PGlite and KurrentDB, whose own reads know only streams and the
 * global order.
 */
export const eventIndexProjection: Projection = {
  name: 'event_index',
  // Each projection's passCost is its seconds in a county `rebuild all` on a server (2026-12-05,
  // two lanes in processes of their own); this one's include its five index builds at the end.
  passCost: 57,
  tables: ['rm_event_index', 'rm_event_stream_units'],
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_event_index (
        commit_position bigint not null, prepare_position bigint not null, event_id uuid not null, stream_id text not null, revision bigint not null,
        stream_kind text not null, type text not null, actor text, unit_code text, effective_date date not null, recorded_at timestamptz not null,
        primary key (commit_position, prepare_position));
      create table if not exists rm_event_stream_units (stream_id text primary key, unit_code text not null)`);
    for (const ddl of EVENT_INDEX_READ_INDEXES) await q.query(ddl);
  },
  readIndexes: EVENT_INDEX_READ_INDEXES,
  async apply(tx, events) {
    // A stream lies where its first event that names a unit places it (as rm_stream_units does for /events).
    // Only a stream that had events before this batch can have been placed already: one whose
    // first event here is its first of all (revision 0) is not looked up. At county scale that
    // is a third of the streams of a batch, and the lookup was this projection's costliest statement.
    const seen = new Set<string>();
    const streams: string[] = [];
    for (const e of events) {
      if (seen.has(e.streamId)) continue;
      seen.add(e.streamId);
      if (e.revision > 0n) streams.push(e.streamId);
    }
    const known = new Map<string, string>();
    for (const x of await rowsByKeys<{ stream_id: string; unit_code: string }>(tx, 'rm_event_stream_units', 'stream_id', streams, ['unit_code'])) {
      known.set(x.stream_id, x.unit_code);
    }
    const placed: unknown[][] = [];
    const rows: unknown[][] = [];
    for (const e of events) {
      const unit = unitOfEvent(e.type, e.data);
      if (unit && !known.has(e.streamId)) {
        known.set(e.streamId, unit);
        placed.push([e.streamId, unit]);
      }
      const actor = (e.metadata.actor as { principalId?: unknown } | undefined)?.principalId;
      rows.push([e.position.commit.toString(), e.position.prepare.toString(), e.id, e.streamId, e.revision.toString(), streamKindOf(e.streamId), e.type,
        typeof actor === 'string' ? actor : null, known.get(e.streamId) ?? null, businessDateOf(e), e.recordedAt.toISOString()]);
    }
    await insertMany(tx, 'rm_event_stream_units', ['stream_id', 'unit_code'], [], placed);
    await appendRows(tx, 'rm_event_index', ['commit_position', 'prepare_position', 'event_id', 'stream_id', 'revision', 'stream_kind', 'type', 'actor', 'unit_code',
      'effective_date', 'recorded_at'], ['bigint', 'bigint', 'uuid', '', 'bigint', '', '', '', '', 'date', 'timestamptz'], rows);
  },
  // The same rows, made where the log lies: in a pass on PostgreSQL this projection read every
  // event of the log out (every other one reads its own types) only to copy a few of its fields back.
  async applyInDatabase(tx, window) {
    // w keeps only what the rows need, not the events' data: it is held for the statement's three reads of it.
    const r = await tx.query(`
      with w as materialized (
        select e.commit_position, e.prepare_position, e.event_id, e.stream_id, e.revision, e.type, e.recorded_at, ${unitSql('e')} as unit,
          case when jsonb_typeof(e.metadata #> '{actor,principalId}') = 'string' then e.metadata #>> '{actor,principalId}' end as actor,
          ${BUSINESS_DATE_SQL} as effective_date
        from (${window.sql}) e),
      -- Where each stream of the window that had events before it was placed, looked up once per
      -- stream, not once per event (a window of 5,000 events spans about 1,400 streams; the per-event
      -- look-up was a fifth of this statement). A stream new in the window (its first event here has
      -- revision 0) cannot have been placed: one with no event of revision > 0 here is not looked up.
      known as materialized (
        select d.stream_id, (select s.unit_code from rm_event_stream_units s where s.stream_id = d.stream_id) as unit_code
        from (select distinct w.stream_id from w where w.revision > 0) d),
      -- The streams first placed in this window, each by its first event that names a unit.
      firsts as materialized (
        select distinct on (w.stream_id) w.stream_id, w.unit, w.commit_position, w.prepare_position
        from w left join known k on k.stream_id = w.stream_id
        where w.unit is not null and k.unit_code is null
        order by w.stream_id, w.commit_position, w.prepare_position),
      placed as (insert into rm_event_stream_units (stream_id, unit_code) select stream_id, unit from firsts on conflict do nothing)
      insert into rm_event_index (commit_position, prepare_position, event_id, stream_id, revision, stream_kind, type, actor, unit_code, effective_date, recorded_at)
      select w.commit_position, w.prepare_position, w.event_id, w.stream_id, w.revision, ${STREAM_KIND_SQL}, w.type, w.actor,
        -- Placed before this window (the statement sees the table as it was), or by an event of it up to this one.
        coalesce(k.unit_code, case when (f.commit_position, f.prepare_position) <= (w.commit_position, w.prepare_position) then f.unit end),
        w.effective_date,
        -- apply() writes the millisecond JavaScript's Date holds
        date_trunc('milliseconds', w.recorded_at)
      from w left join known k on k.stream_id = w.stream_id left join firsts f on f.stream_id = w.stream_id
      order by w.commit_position, w.prepare_position`, [...window.params]);
    return r.rowCount;
  },
};

/** streamKindOf in SQL, over the relation `w`. */
const STREAM_KIND_SQL = `case when strpos(w.stream_id, '-') > 1 then split_part(w.stream_id, '-', 1) else w.stream_id end`;

/**
 * businessDateOf in SQL, over the relation `e`. A value that is not a JSON string cannot match the
 * pattern as text (a number has no dashes, an object or array starts with a bracket), so the text
 * alone is tested, as apply() tests the string.
 */
const BUSINESS_DATE_SQL = `coalesce(${['effectiveDate', 'date', 'registeredOn'].map((k) =>
  `case when e.data ->> '${k}' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then e.data ->> '${k}' end`).join(', ')},
  to_char((e.recorded_at at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD'))::date`;

/** The category before the first '-' of a stream name (streams.ts). */
export const streamKindOf = (stream: string) => (stream.indexOf('-') > 0 ? stream.slice(0, stream.indexOf('-')) : stream);

/**
 * The business date an event speaks of: the one its command carried, or, for an event that has
 * none (a unit registered, a project proposed), the day it was recorded in Asia/Shanghai, so that
 * an asOf cut places every event somewhere.
 */
function businessDateOf(e: RecordedEvent): string {
  const d = e.data as { effectiveDate?: unknown; date?: unknown; registeredOn?: unknown };
  for (const v of [d.effectiveDate, d.date, d.registeredOn]) if (typeof v === 'string' && /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)) return v;
  return new Date(e.recordedAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The ledger's event types a filter may name. Listing one that does not exist fails the type
 * check; a type added since is still accepted once the index holds an event of it.
 */
/** Every event type of the domain: a Record over the union, so a new type that is not listed here fails the typecheck. */
const EVENT_TYPES: Record<LedgerEventType, true> = {
  AdminUnitRegistered: true, AdminUnitRenamed: true, FundBatchIssued: true, FundsAllocated: true, AllocationFundsReturned: true, FundsReturned: true,
  ReturnReceived: true, FundBatchClosed: true, FundBatchVoided: true, AllocationVoided: true, FundsHeld: true, HoldPosted: true, HoldReleased: true,
  PaymentReversalCredited: true, ProjectProposed: true, ProjectMilestoneRecorded: true, ProjectFundsCommitted: true, ProjectPaymentClaimed: true,
  ProjectPaymentClaimReleased: true, PaymentRequested: true, PaymentApproved: true, PaymentRejected: true, PaymentExecuted: true, PaymentFailed: true,
  PaymentReversed: true, PaymentReplaced: true, BankReferenceUsed: true, HouseholdRegistered: true, HouseholdStatusChanged: true,
  RuleSetAdopted: true, RosterPersonRecorded: true, RosterPersonLeft: true,
  CaseOpened: true, CaseFindingRecorded: true, CaseRectificationRecorded: true, CaseClosureProposed: true, CaseClosureRefused: true, CaseClosed: true,
};
export const LEDGER_EVENT_TYPES = Object.keys(EVENT_TYPES) as LedgerEventType[];

export async function isKnownEventType(q: SqlExecutor, type: string): Promise<boolean> {
  if ((LEDGER_EVENT_TYPES as readonly string[]).includes(type)) return true;
  return (await q.query('select 1 from rm_event_index where type = $1 limit 1', [type])).rowCount > 0;
}
