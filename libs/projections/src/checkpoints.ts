import { START, type GlobalPosition, type SqlExecutor } from '@yuantrace/event-store';

export async function readCheckpoint(q: SqlExecutor, name: string): Promise<GlobalPosition> {
  const r = await q.query<{ commit_position: unknown; prepare_position: unknown }>(
    'select commit_position, prepare_position from projection_checkpoints where name = $1',
    [name],
  );
  const row = r.rows[0];
  return row ? { commit: BigInt(row.commit_position as string), prepare: BigInt(row.prepare_position as string) } : START;
}

/**
 * Moves the checkpoint from `from` to `to`. The `from` guard is a fence: if another runner
 * moved it meanwhile (it should hold the advisory lock, but a lock can be lost with its
 * connection), this transaction is refused and nothing it applied is kept.
 */
export async function advanceCheckpoint(
  tx: SqlExecutor,
  name: string,
  from: GlobalPosition,
  to: GlobalPosition,
  applied: number,
): Promise<void> {
  const params = [name, from.commit.toString(), from.prepare.toString(), to.commit.toString(), to.prepare.toString(), applied];
  const fromStart = from.commit === 0n && from.prepare === 0n;
  const r = fromStart
    ? await tx.query(
        `insert into projection_checkpoints (name, commit_position, prepare_position, events_applied)
         select $1, $4, $5, $6 where $2::bigint = 0 and $3::bigint = 0
         on conflict (name) do nothing`,
        params,
      )
    : await tx.query(
        `update projection_checkpoints set commit_position = $4, prepare_position = $5,
           events_applied = events_applied + $6, updated_at = now()
         where name = $1 and commit_position = $2 and prepare_position = $3`,
        params,
      );
  if (r.rowCount !== 1) throw new CheckpointMovedError(name);
}

export class CheckpointMovedError extends Error {
  constructor(name: string) {
    super(`projection ${name}: its checkpoint was moved by another runner; this batch is discarded`);
    this.name = 'CheckpointMovedError';
  }
}

/** The version that built a projection's tables: undefined for a projection never run, 1 for one built before versions were recorded. */
export async function storedVersion(q: SqlExecutor, name: string): Promise<number | undefined> {
  const v = await q.query<{ version: number }>('select version from projection_versions where name = $1', [name]);
  if (v.rows[0]) return Number(v.rows[0].version);
  const c = await q.query('select 1 from projection_checkpoints where name = $1', [name]);
  return c.rowCount > 0 ? 1 : undefined;
}

export async function recordVersion(q: SqlExecutor, name: string, version: number): Promise<void> {
  await q.query('insert into projection_versions (name, version) values ($1, $2) on conflict (name) do update set version = $2', [name, version]);
}
