type Entry = { revision: bigint; state: unknown };

/**
 * Folded aggregate state by stream and revision, so a long stream is not re-read from the
 * start on every command. States are treated as immutable by the deciders, so sharing them is
 * safe.
 *
 * Eviction is by two generations rather than an exact LRU list: hits and writes go to the young
 * map; when it is full it becomes the old one and the previous old one is dropped; a hit in the
 * old map is copied into the young one. That keeps between capacity/2 and capacity recently used
 * streams at O(1) per access without deleting from a large Map on every hit, which profiling of
 * a bulk load showed costing a fifth of the loader's time.
 */
export class StateCache {
  private young = new Map<string, Entry>();
  private old = new Map<string, Entry>();
  private readonly half: number;

  constructor(capacity = 10_000) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get<State>(stream: string): { revision: bigint; state: State } | undefined {
    let hit = this.young.get(stream);
    if (!hit) {
      hit = this.old.get(stream);
      if (hit) this.put(stream, hit);
    }
    return hit as { revision: bigint; state: State } | undefined;
  }

  set(stream: string, revision: bigint, state: unknown): void {
    const existing = this.young.get(stream) ?? this.old.get(stream);
    if (existing && existing.revision > revision) return;
    this.put(stream, { revision, state });
  }

  delete(stream: string): void {
    this.young.delete(stream);
    this.old.delete(stream);
  }

  /** Streams held (a stream in both generations counts once per generation). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  private put(stream: string, entry: Entry) {
    this.young.set(stream, entry);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
