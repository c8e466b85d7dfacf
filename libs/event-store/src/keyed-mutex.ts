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
