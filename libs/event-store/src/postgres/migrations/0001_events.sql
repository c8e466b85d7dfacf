-- The event log. global_position orders inserts; transaction_id (xid8) orders commits well
-- enough for readers: a reader only sees rows whose transaction is older than every transaction
-- still running (pg_snapshot_xmin), so an early transaction that commits late is never skipped.
create table if not exists events (
  global_position bigserial primary key,
  transaction_id xid8 not null default pg_current_xact_id(),
  stream_id text not null,
  stream_revision bigint not null,
  event_id uuid not null,
  event_type text not null,
  data jsonb not null,
  metadata jsonb not null,
  recorded_at timestamptz not null default now(),
  constraint events_stream_revision_key unique (stream_id, stream_revision),
  constraint events_event_id_key unique (event_id)
);
create index if not exists events_global_order_idx on events (transaction_id, global_position);
