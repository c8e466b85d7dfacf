-- The version of each projection's code that built its tables. A projection whose definition
-- changes (new tables, new rules) raises its version, and a runner that finds an older one
-- rebuilds it from the log before following it.
create table if not exists projection_versions (
  name text primary key,
  version int not null
);
