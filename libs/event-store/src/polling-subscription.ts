import type { EventStore, GlobalPosition, SubscribeOptions, Subscription, SubscriptionHandler } from './event-store.port';

/**
 * A catch-up subscription built on readAll: reads a batch after its position, hands it to the
 * handler, and only then moves on (the handler's pace is the subscription's pace). When caught
 * up it sleeps until woken by an append notification or the idle timeout.
 */
export class PollingSubscription implements Subscription {
  readonly done: Promise<void>;
  private running = true;
  private wakeUp: (() => void) | undefined;
  private hurryUp: (() => void) | undefined;
  private position: GlobalPosition | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly handler: SubscriptionHandler,
    private readonly options: SubscribeOptions,
    onAppend: (wake: () => void) => () => Promise<void>,
  ) {
    this.position = options.after;
    const stopListening = onAppend(() => this.wake());
    this.done = this.loop().finally(stopListening);
  }

  private wake() {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async loop(): Promise<void> {
    const batch = this.options.maxCount ?? 500;
    while (this.running) {
      const events = await this.store.readAll({ after: this.position, maxCount: batch, categories: this.options.categories });
      if (!this.running) break;
      if (events.length > 0) {
        await this.handler(events);
        this.position = events[events.length - 1].position;
        const pace = this.options.paceMs ?? 0;
        // Paced: appends do not wake it here, only hurry() or stop() do.
        if (pace > 0 && events.length < batch && this.running) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pace);
            this.hurryUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.hurryUp = undefined;
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.idleMs ?? 250);
        this.wakeUp = () => {
          clearTimeout(timer);
          // Woken by an append: let the appends that follow it close behind join the same batch.
          const gather = this.options.gatherMs ?? 0;
          if (gather > 0 && this.running) setTimeout(resolve, gather);
          else resolve();
        };
      });
    }
  }

  hurry(): void {
    this.hurryUp?.();
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.hurryUp?.();
    this.wake();
    await this.done.catch(() => undefined);
  }
}
