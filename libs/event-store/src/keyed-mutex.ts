/**
 * Runs tasks one at a time per key. Commands on one stream in one process queue here instead
 * of racing to the store and retrying: under contention (a batch paying many households) that
 * turns wasted conflict-retries into a short wait. Other processes are still handled by the
 * expected-revision check.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(task);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }
}

/**
 * Runs a task holding several keys of one mutex, taken in sorted order so two tasks over
 * overlapping sets can never wait on each other in a cycle.
 */
export function runHoldingAll<T>(mutex: KeyedMutex, keys: readonly string[], task: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(keys)].sort();
  const step = (i: number): Promise<T> => (i === sorted.length ? task() : mutex.run(sorted[i], () => step(i + 1)));
  return step(0);
}
