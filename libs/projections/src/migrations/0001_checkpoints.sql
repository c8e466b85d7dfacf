-- One row per projection: the global position of the last event applied. It is written in
-- the same transaction as the projection's rows, so the two never disagree.
create table if not exists projection_checkpoints (
  name text primary key,
  commit_position bigint not null,
  prepare_position bigint not null,
  events_applied bigint not null default 0,
  updated_at timestamptz not null default now()
);
