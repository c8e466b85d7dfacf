import { Injectable } from '@nestjs/common';
import type { Actor, Decider, DomainEvent } from '@yuantrace/domain';
import { EventStore, eventIdFor, handleCommand, KeyedMutex, StateCache, aggregate, type CommandResult, type RecordedEvent } from '@yuantrace/event-store';
import { Clock } from '../infrastructure/clock';

/** Who asks and under which correlation: what every command carries into its events' metadata. */
export type CommandOrigin = { actor: Actor; correlationId: string; causationId?: string };

/** An appended event as a follow-up step sees it: the id it was stored under, its data and metadata. */
export type StoredEvent = Pick<RecordedEvent, 'id' | 'streamId' | 'type' | 'data' | 'metadata'>;

/**
 * The one command handler of the api: read → decide → append through handleCommand, with the
 * process's state cache and clock. Command ids are derived from the resource and operation, so
 * a retried request produces the same event ids and the store de-duplicates it.
 */
@Injectable()
export class CommandHandler {
  private readonly perStream = new KeyedMutex();

  constructor(
    readonly store: EventStore,
    private readonly cache: StateCache,
    private readonly clock: Clock,
  ) {}

  async handle<S, C, E extends DomainEvent>(
    decider: Decider<S, C, E>,
    stream: string,
    command: C,
    commandId: string,
    origin: CommandOrigin,
  ): Promise<CommandResult<S> & { stored: StoredEvent[] }> {
    const result = await this.perStream.run(stream, () =>
      handleCommand(this.store, this.cache, decider, stream, command, {
        commandId,
        correlationId: origin.correlationId,
        causationId: origin.causationId,
        actor: origin.actor,
        now: this.clock.now(),
      }),
    );
    const metadata = { commandId, correlationId: origin.correlationId, causationId: origin.causationId ?? commandId, actor: origin.actor };
    const first = result.revision === undefined ? 0 : Number(result.revision) - result.events.length + 1;
    const stored = result.events.map((e, i) => ({ id: eventIdFor(commandId, stream, first + i), streamId: stream, type: e.type, data: e.data, metadata }));
    return { ...result, stored };
  }

  /** Current state of a stream, folded through the cache (for checks across streams). */
  async load<S, C, E extends DomainEvent>(decider: Decider<S, C, E>, stream: string): Promise<S> {
    return (await aggregate(this.store, this.cache, decider, stream)).state;
  }
}
