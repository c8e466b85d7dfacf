-- An identity number may belong to one registered household at a time. The claim is taken
-- before the household's event is appended (and given back if the append is refused), so two
-- households cannot register the same person even when registered at the same moment.
create table if not exists identity_claims (
  ref text primary key,
  household_id text not null,
  claimed_at timestamptz not null default now()
);
create index if not exists identity_claims_household_idx on identity_claims (household_id);
