import { comparePositions, START, type EventStore, type GlobalPosition, type RecordedEvent, type SqlExecutor } from '@yuantrace/event-store';
import { BooksFold, type BookDefect, type BookLeg, type DefectCode } from './fold-books';

export type { BookDefect, DefectCode } from './fold-books';

/** More of one code than this says nothing new; the rest are counted in one line. */
const MAX_PER_CODE = 200;

const legKey = (l: { from: string; to: string; amount: bigint | string; root: string }) => `${l.from} → ${l.to} ${l.amount} fen (root ${l.root})`;

/**
 * Checks the double-entry books against an independent fold of the event log. Fed the log in
 * global order (verify feeds it the batches it replays anyway, so the log is read once), it
 * compares each event's postings with the legs the fold derives from the raw event, then every
 * account's balance, and adds the cross-stream defects the fold finds.
 *
 * comparePostings is false when the postings projection has not applied the log up to the
 * position checked: its rows would be missing, not wrong, and verify reports the lag instead.
 */
export class BooksCheck {
  private readonly fold = new BooksFold();
  private readonly defects: BookDefect[] = [];
  private legsMatched = 0;
  /** Mismatched events beyond MAX_PER_CODE, counted rather than kept: a wholly wrong table must not fill memory. */
  private mismatchesNotKept = 0;

  constructor(private readonly q: SqlExecutor, private readonly options: { comparePostings: boolean }) {}

  async add(events: readonly RecordedEvent[]): Promise<void> {
    const expected = new Map<string, { type: string; legs: BookLeg[] }>();
    for (const e of events) expected.set(e.id.toLowerCase(), { type: e.type, legs: this.fold.apply(e) });
    if (!this.options.comparePostings || events.length === 0) return;
    const r = await this.q.query<{ event_id: string; from_account: string; to_account: string; amount_fen: string; root_batch_id: string }>(
      `select event_id::text as event_id, from_account, to_account, amount_fen::text as amount_fen, root_batch_id
         from postings where event_id = any($1::uuid[]) order by event_id, leg`, [[...expected.keys()]]);
    const posted = new Map<string, string[]>();
    for (const row of r.rows) {
      const list = posted.get(row.event_id) ?? [];
      list.push(legKey({ from: row.from_account, to: row.to_account, amount: row.amount_fen, root: row.root_batch_id }));
      posted.set(row.event_id, list);
    }
    this.legsMatched += r.rows.length;
    for (const [id, { type, legs }] of expected) {
      const want = legs.map((l) => legKey({ from: l.from, to: l.to, amount: l.amount, root: l.rootBatchId })).sort();
      const got = (posted.get(id) ?? []).sort();
      if (want.join('\n') !== got.join('\n')) {
        if (this.defects.length >= MAX_PER_CODE) {
          this.mismatchesNotKept++;
          continue;
        }
        this.defects.push({ code: 'event_legs_mismatch', subject: `event:${id}`,
          message: `${type}: the log moves [${want.join('; ')}], postings record [${got.join('; ')}]` });
      }
    }
  }

  /** Every defect found, once the whole log up to `upTo` has been added. */
  async finish(upTo: GlobalPosition): Promise<BookDefect[]> {
    const out = [...this.defects];
    if (this.options.comparePostings) {
      // Postings written after the position checked belong to events this check has not read.
      const cond = '(commit_position, prepare_position) <= ($1::bigint, $2::bigint)';
      const params = [upTo.commit.toString(), upTo.prepare.toString()];
      const total = await this.q.query<{ n: string }>(`select count(*)::text as n from postings where ${cond}`, params);
      const stray = BigInt(total.rows[0].n) - BigInt(this.legsMatched);
      if (stray !== 0n) {
        out.push({ code: 'event_legs_mismatch', subject: 'postings', message: `${stray} posting rows name events that are not in the log` });
      }
      const r = await this.q.query<{ account: string; balance: string }>(
        `select account, sum(delta)::text as balance from (
           select to_account as account, amount_fen as delta from postings where ${cond}
           union all select from_account, -amount_fen from postings where ${cond}) x
         group by account`, params);
      const fromPostings = new Map(r.rows.map((x) => [x.account, BigInt(x.balance)]));
      for (const account of new Set([...fromPostings.keys(), ...this.fold.balances.keys()])) {
        const p = fromPostings.get(account) ?? 0n, f = this.fold.balances.get(account) ?? 0n;
        if (p !== f) out.push({ code: 'account_mismatch', subject: account, message: `postings give ${account} a balance of ${p} fen, the log ${f} fen` });
      }
    }
    out.push(...this.fold.finish());
    return capPerCode(out, this.mismatchesNotKept);
  }
}

function capPerCode(defects: BookDefect[], legMismatchesNotKept: number): BookDefect[] {
  const count = new Map<DefectCode, number>();
  if (legMismatchesNotKept > 0) count.set('event_legs_mismatch', legMismatchesNotKept);
  const out: BookDefect[] = [];
  const kept = new Map<DefectCode, number>();
  for (const d of defects) {
    count.set(d.code, (count.get(d.code) ?? 0) + 1);
    const k = (kept.get(d.code) ?? 0) + 1;
    if (k > MAX_PER_CODE) continue;
    kept.set(d.code, k);
    out.push(d);
  }
  for (const [code, n] of count) {
    const k = kept.get(code) ?? 0;
    if (n > k) out.push({ code, subject: '…', message: `${n - k} more ${code} defects not listed` });
  }
  return out;
}

/** Reads the whole log up to `upTo` (its end by default) and checks the books: for use outside verify. */
export async function checkBooks(store: EventStore, q: SqlExecutor, options: { upTo?: GlobalPosition; comparePostings?: boolean } = {}): Promise<BookDefect[]> {
  const upTo = options.upTo ?? (await store.lastPosition()) ?? START;
  const check = new BooksCheck(q, { comparePostings: options.comparePostings ?? true });
  let position: GlobalPosition = START;
  for (;;) {
    const batch = (await store.readAll({ after: position, maxCount: 1000 })).filter((e) => comparePositions(e.position, upTo) <= 0);
    if (batch.length === 0) break;
    await check.add(batch);
    position = batch[batch.length - 1].position;
  }
  return check.finish(upTo);
}
