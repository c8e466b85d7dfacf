import { appendRows, insertMany } from '@yuantrace/event-store';
import { runDdl } from '../shared/ddl';
import { typedProjection } from '../shared/typed-projection';

/**
 * What each batch still has unspent (the glossary's balance: on the batch's own account and on
 * its project lines, neither held, paid nor passed on), as signed moves, so that a list of
 * batches sorted or filtered by it reads one narrow row per move of the batches listed instead of
 * their postings. The moves are those of the postings' accounts batch:<id> and line:<id>:…;
 * test/e2e/lists-lookups.e2e-spec.ts holds the sums equal to the batch view's balance.
 *
 *   rm_batch_unspent_moves  one row per event and batch it moves, dated on both axes (knownAt reads)
 *   rm_batch_unspent_days   the same summed per batch and business date (current and asOf reads)
 */
/**
 * apply() only appends moves, so their indexes serve readers alone (the list's knownAt sums) and
 * a pass from nothing builds them once at its end. The unique one holds what a key would: one
 * move per event and batch (keyed by the random event id, each row was placed across the index).
 */
const MOVES_READ_INDEXES = [
  'create unique index if not exists rm_batch_unspent_moves_event_idx on rm_batch_unspent_moves (event_id, batch_id)',
  'create index if not exists rm_batch_unspent_moves_batch_idx on rm_batch_unspent_moves (batch_id, effective_date)',
];

export const batchUnspentProjection = typedProjection({
  name: 'batch_unspent',
  readsMetadata: false,
  passCost: 4,
  handles: ['FundBatchIssued', 'FundsAllocated', 'FundsReturned', 'FundBatchVoided', 'AllocationVoided', 'FundsHeld', 'HoldReleased', 'PaymentReversalCredited'],
  tables: ['rm_batch_unspent_moves', 'rm_batch_unspent_days'],
  // 2: the moves' indexes are readers' indexes, built once at the end of a long pass.
  version: 2,
  async setup(q) {
    await runDdl(q, `
      create table if not exists rm_batch_unspent_moves (
        event_id uuid not null, batch_id text not null, delta_fen bigint not null, effective_date date not null, recorded_at timestamptz not null);
      create table if not exists rm_batch_unspent_days (
        batch_id text not null, effective_date date not null, delta_fen bigint not null, primary key (batch_id, effective_date))`);
    for (const ddl of MOVES_READ_INDEXES) await q.query(ddl);
  },
  readIndexes: MOVES_READ_INDEXES,
  async apply(tx, events) {
    const moves: Array<[string, string, bigint, string, string]> = [];
    for (const e of events) {
      const x = e.data;
      const move = (batchId: string, sign: 1n | -1n) => moves.push([e.id, batchId, sign * BigInt(x.amountFen), x.effectiveDate, e.recordedAt.toISOString()]);
      switch (e.type) {
        case 'FundBatchIssued':
          // A child batch's money arrives with its parent's allocation; only a root brings money in.
          if (!e.data.parentBatchId) move(e.data.batchId, 1n);
          break;
        case 'FundsAllocated':
          // To a project the money stays the batch's (on its line) until held or paid.
          if (e.data.target.type === 'batch') {
            move(e.data.batchId, -1n);
            move(e.data.target.batchId, 1n);
          }
          break;
        case 'FundsReturned':
          move(e.data.batchId, -1n);
          if (e.data.toBatchId) move(e.data.toBatchId, 1n);
          break;
        case 'FundBatchVoided':
          // A child's void is moved by its parent's AllocationVoided.
          if (!e.data.toBatchId) move(e.data.batchId, -1n);
          break;
        case 'AllocationVoided':
          move(e.data.childBatchId, -1n);
          move(e.data.batchId, 1n);
          break;
        case 'FundsHeld':
          move(e.data.batchId, -1n);
          break;
        case 'HoldReleased':
        case 'PaymentReversalCredited':
          move(e.data.batchId, 1n);
          break;
      }
    }
    // Each move is appended once (one already there fails the batch), so each is summed into its day once.
    await appendRows(tx, 'rm_batch_unspent_moves', ['event_id', 'batch_id', 'delta_fen', 'effective_date', 'recorded_at'],
      ['uuid', '', 'bigint', 'date', 'timestamptz'], moves.map((m) => [m[0], m[1], m[2].toString(), m[3], m[4]]));
    const days = new Map<string, bigint>();
    for (const [, batchId, delta, date] of moves) {
      const key = `${batchId}|${date}`;
      days.set(key, (days.get(key) ?? 0n) + delta);
    }
    await insertMany(tx, 'rm_batch_unspent_days', ['batch_id', 'effective_date', 'delta_fen'], ['', 'date', 'bigint'],
      [...days].map(([key, delta]) => [key.slice(0, key.lastIndexOf('|')), key.slice(key.lastIndexOf('|') + 1), delta.toString()]),
      'on conflict (batch_id, effective_date) do update set delta_fen = rm_batch_unspent_days.delta_fen + excluded.delta_fen');
  },
});
