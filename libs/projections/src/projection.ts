import type { LogWindowRelation, RecordedEvent, SqlExecutor } from '@yuantrace/event-store';

/**
 * A read model's writer. The runner calls apply() with a batch of events in global order
 * inside a transaction that also moves the projection's checkpoint.
 */
export interface Projection {
  readonly name: string;
  /**
   * Raised whenever what the projection writes changes. A runner that finds tables built by an
   * older version rebuilds them from the log before following it (1 when absent).
   */
  readonly version?: number;
  /** The tables it owns: dropped on rebuild, compared by verify. */
  readonly tables: readonly string[];
  /**
   * The event types apply() looks at (every type when absent). A one-pass catch-up or rebuild then
   * asks the store for these only (EventStore.readWindow), and still moves the checkpoint over the
   * rest: the detectors handle fewer than half of a county's events.
   */
  readonly handles?: readonly string[];
  /**
   * apply() works from RecordedEvent.jsonText where an event has it (the sealer writes its
   * canonical form from the texts): a one-pass catch-up or rebuild then asks the store for the
   * texts, and the events' data and metadata are parsed only if some projection reads them.
   */
  readonly readsJsonText?: boolean;
  /**
   * false: apply() never reads its events' metadata (the actor, the source), so a one-pass
   * catch-up or rebuild may give it events with empty metadata (ReadWindowOptions.metadataTypes).
   * Absent or true: every event it is given carries its metadata.
   */
  readonly readsMetadata?: boolean;
  /**
   * Called in a one-pass catch-up or rebuild with each window's events as soon as they are read,
   * while the window before may still be being applied: work that does not depend on the windows
   * before can start then (the sealer hands the texts to its hashing thread, which writes their
   * canonical form and leaves while the window before is chained and committed). It must not
   * throw, and apply() must not count on it: a window may be applied without it.
   */
  prepare?(events: readonly RecordedEvent[]): void;
  /**
   * Indexes only readers use (apply() never reads through them), as `create index if not exists
   * <name> on …` statements that setup() runs too. A pass that fills the projection from nothing
   * (a rebuild, the catch-up after a bulk load) drops them first and builds each once at the end:
   * one sorted build instead of millions of scattered inserts.
   */
  readonly readIndexes?: readonly string[];
  /**
   * Tables of its own that apply() rewrites row by row (a household's receipts again with each
   * payment), so that a pass leaves several dead versions behind for every live row. After a
   * bulk pass they are written anew, compactly (VACUUM FULL): a plain VACUUM frees the space but
   * keeps it, and a scan still reads every page of it.
   */
  readonly rewrittenTables?: readonly string[];
  /**
   * What a one-pass catch-up or rebuild costs this projection beside the others, in any unit
   * (1 when absent; ours give their seconds in a one-pass catch-up of the demo county, 2026-12-02). A pass on a server spreads the
   * projections over lanes of about equal cost, each on its own connection.
   */
  readonly passCost?: number;
  /**
   * What apply() does, as statements over a window of the log where the log lies in the same
   * database (EventStore.windowIn; the relation's parameters are $1…): a one-pass catch-up or
   * rebuild then applies the window with it and reads no events out for this projection. It
   * returns how many events it applied. It must leave exactly the rows apply() would (verify
   * rebuilds with apply() into a scratch schema and compares), and it is used only where apply()
   * and it are both given the whole window in order.
   */
  applyInDatabase?(tx: SqlExecutor, window: LogWindowRelation): Promise<number>;
  /** Idempotent DDL creating its tables and indexes. */
  setup(q: SqlExecutor): Promise<void>;
  apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * false for a subscriber that writes events rather than rows (a process manager): it is
   * handed the database itself, and the checkpoint commits after it returns. It is then
   * at-least-once, so its effects must be idempotent.
   */
  readonly transactional?: boolean;
  /**
   * false for tables that must never be dropped and rebuilt from the log (the seal: its
   * checkpoints are signed statements already given out). rebuildAll leaves it as it is,
   * rebuild(name) refuses it, and a version change does not rebuild it.
   */
  readonly rebuildable?: boolean;
  /**
   * While following the log, read no oftener than this after a partial batch (ms): for a
   * projection nobody reads at once (the sealer, whose checkpoints come every N events or T
   * seconds anyway), so that on the embedded store's one connection it does not cost every few
   * commands a transaction. waitUntilCaughtUp hurries it.
   */
  readonly followPaceMs?: number;
}
