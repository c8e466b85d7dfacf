import { randomBytes } from 'node:crypto';
import { batchFigures, batchIdentityBreaks, FIGURES, fundBatchDecider, type BatchFigures, type FigureName, type FundBatchEvent, type OpenBatch } from '@yuantrace/domain';
import { comparePositions, formatPosition, START, type Db, type EventStore, type GlobalPosition } from '@yuantrace/event-store';
import { readCheckpoint, type Projection } from '@yuantrace/projections';
import { BooksCheck, type BookDefect } from './books/check-books';
import { batchFiguresOf } from './queries/batches/batch-queries';

export type VerifyReport = {
  position: string | null;
  eventsReplayed: number;
  /** Rows that differ between the live read models and a rebuild from the log. */
  differences: Array<{ table: string; side: 'only_live' | 'only_rebuilt'; row: unknown }>;
  /** Batches whose figures break the glossary's identities, or where postings and the write side's fold of the batch disagree. */
  conservation: Array<{ batchId: string; problem: string }>;
  /**
   * The books against an independent fold of the log (books/fold-books.ts): postings that differ
   * from the legs of their event or from an account's balance, accounts that went negative, and
   * streams that disagree with each other (an allocation without its child batch, a hold without
   * its payment, a project beyond its budget…). Each names its code and what it is about.
   */
  defects: BookDefect[];
  /** Projections that had not applied the whole log when verify looked. */
  lagging: string[];
  ok: boolean;
};

/**
 * Rebuilds every read model into a scratch schema (each batch of events applied in a
 * transaction whose search_path is the scratch schema, so the projections' own SQL runs
 * unchanged) and compares it with the live tables row by row. The same pass over the log feeds
 * an independent fold of the books, which the live postings are compared with. Then checks each
 * batch's figures in postings against the write side's own fold of that batch.
 */
export async function verifyReadModels(store: EventStore, db: Db, projections: readonly Projection[], onProgress?: (done: number) => void): Promise<VerifyReport> {
  const target = (await store.lastPosition()) ?? START;
  const scratch = `verify_${randomBytes(4).toString('hex')}`;
  const live = db.schema;
  const tabled = projections.filter((p) => p.tables.length > 0);
  const differences: VerifyReport['differences'] = [];
  let replayed = 0;
  // Postings that lag the log would be missing rather than wrong: the lag is reported, not a defect per event.
  const postingsCaughtUp = projections.some((p) => p.name === 'postings') && comparePositions(await readCheckpoint(db, 'postings'), target) >= 0;
  const books = new BooksCheck(db, { comparePostings: postingsCaughtUp });
  await db.exec(`create schema ${scratch}`);
  try {
    await db.transaction(async (tx) => {
      await tx.query(`set local search_path to ${scratch}`);
      for (const p of tabled) await p.setup(tx);
    });
    let position: GlobalPosition = START;
    for (;;) {
      const batch = (await store.readAll({ after: position, maxCount: 1000 })).filter((e) => comparePositions(e.position, target) <= 0);
      if (batch.length === 0) break;
      await db.transaction(async (tx) => {
        await tx.query(`set local search_path to ${scratch}`);
        for (const p of tabled) await p.apply(tx, batch);
      });
      await books.add(batch);
      position = batch[batch.length - 1].position;
      replayed += batch.length;
      onProgress?.(replayed);
    }
    for (const p of tabled) {
      for (const t of p.tables) {
        for (const [side, a, b] of [['only_live', live, scratch], ['only_rebuilt', scratch, live]] as const) {
          const r = await db.query<{ row: unknown }>(`select to_jsonb(x) as row from (select * from ${a}.${t} except all select * from ${b}.${t}) x limit 20`);
          for (const row of r.rows) differences.push({ table: t, side, row: row.row });
        }
      }
    }
  } finally {
    await db.exec(`drop schema if exists ${scratch} cascade`);
  }
  const lagging: string[] = [];
  for (const p of tabled) if (comparePositions(await readCheckpoint(db, p.name), target) < 0) lagging.push(p.name);
  const defects = await books.finish(target);
  const conservation = await checkConservation(store, db);
  return { position: target === START ? null : formatPosition(target), eventsReplayed: replayed, differences, conservation, defects, lagging,
    ok: differences.length === 0 && conservation.length === 0 && defects.length === 0 && lagging.length === 0 };
}

/**
 * Per batch: the glossary's figures from postings must equal the same figures folded from the
 * batch's own events (two computations, two sources), and must satisfy the glossary's identities
 * (received + returnedFromBatches = allocated + returned + held + paid + balance; balance =
 * unallocated + available; nothing negative).
 */
async function checkConservation(store: EventStore, db: Db): Promise<VerifyReport['conservation']> {
  const problems: VerifyReport['conservation'] = [];
  const batches = await db.query<{ batch_id: string }>('select batch_id from rm_batches order by batch_id');
  for (const { batch_id: id } of batches.rows) {
    const fromPostings = await batchFiguresOf(db, id, {});
    for (const broken of batchIdentityBreaks(fromPostings)) problems.push({ batchId: id, problem: broken });
    const events = await store.readStream(`fundbatch-${id}`);
    const state = events.reduce((s, e) => fundBatchDecider.evolve(s, { type: e.type, data: e.data } as FundBatchEvent), fundBatchDecider.initialState());
    if (state.status === 'none') continue;
    const fromLog = batchFigures(state as OpenBatch);
    for (const name of Object.keys(FIGURES) as FigureName[]) {
      const p = fromPostings[name as keyof BatchFigures], w = fromLog[name as keyof BatchFigures];
      if (p !== undefined && p !== w) problems.push({ batchId: id, problem: `${name}: postings say ${p} fen, the batch's own events say ${w}` });
    }
  }
  return problems;
}
