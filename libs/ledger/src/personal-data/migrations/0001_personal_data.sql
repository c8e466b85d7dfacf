-- Personal data (identity numbers, bank accounts) lives here, never in the event log. Events
-- carry `ref`, a keyed hash of the value: equal values get equal refs (so duplicates can be
-- found) and the value cannot be read back from the ref. Erasure clears `value` and keeps the
-- row, so every event that points here still resolves to "erased".
create table if not exists personal_data (
  ref text primary key,
  kind text not null,
  value text,
  masked text not null,
  created_at timestamptz not null default now(),
  erased_at timestamptz,
  erasure_reason text
);
