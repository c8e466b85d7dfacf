/**
 * Folded aggregate state by stream and revision, so a long stream is not re-read from the
 * start on every command. Least-recently-used eviction keeps memory bounded. States are
 * treated as immutable by the deciders, so sharing them is safe.
 */
export class StateCache {
  private readonly entries = new Map<string, { revision: bigint; state: unknown }>();

  constructor(private readonly capacity = 10_000) {}

  get<State>(stream: string): { revision: bigint; state: State } | undefined {
    const hit = this.entries.get(stream);
    if (!hit) return undefined;
    this.entries.delete(stream);
    this.entries.set(stream, hit);
    return hit as { revision: bigint; state: State };
  }

  set(stream: string, revision: bigint, state: unknown): void {
    const existing = this.entries.get(stream);
    if (existing && existing.revision > revision) return;
    this.entries.delete(stream);
    this.entries.set(stream, { revision, state });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(stream: string): void {
    this.entries.delete(stream);
  }

  get size(): number {
    return this.entries.size;
  }
}
