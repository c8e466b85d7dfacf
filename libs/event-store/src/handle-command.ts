import { conflict, type Actor, type Decider, type DomainEvent } from '@yuantrace/domain';
import { WrongExpectedRevisionError } from './errors';
import { eventIdFor } from './event-id';
import type { EventStore, GlobalPosition } from './event-store.port';
import { StateCache } from './state-cache';

export type CommandContext = {
  /** The client's id for this command (or one derived from the resource id): event ids derive from it. */
  commandId: string;
  correlationId: string;
  causationId?: string;
  actor: Actor;
  /** Server time, from the injected clock. */
  now: Date;
};

export type CommandResult<State> = {
  state: State;
  /** undefined when the decider decided nothing and the stream does not exist. */
  revision: bigint | undefined;
  events: DomainEvent[];
  position?: GlobalPosition;
};

const MAX_ATTEMPTS = 10;

/**
 * The one command handler: read (from the cache, then only newer events) → fold → decide →
 * append with the expected revision. A conflict means someone else wrote first: re-read,
 * re-decide, a bounded number of times, then answer 409.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  cache: StateCache,
  decider: Decider<State, Command, Event>,
  stream: string,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<State>> {
  for (let attempt = 1; ; attempt++) {
    const { state, revision } = await aggregate(store, cache, decider, stream);
    const events = decider.decide(command, state);
    if (events.length === 0) return { state, revision, events };
    const metadata = {
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId ?? context.commandId,
      actor: context.actor,
      recordedAt: context.now.toISOString(),
    };
    try {
      const result = await store.appendToStream(
        stream,
        // The id names the command and the revision the event lands at: a retry of this very
        // attempt is recognised by the store, while the same command id used again later (a
        // rename back to an earlier name) gets new ids instead of being taken for a retry.
        events.map((e, i) => ({ id: eventIdFor(context.commandId, stream, Number((revision ?? -1n) + 1n) + i), type: e.type, data: e.data, metadata })),
        { expectedRevision: revision ?? 'no_stream' },
      );
      const next = events.reduce(decider.evolve, state);
      // A retried command may have been answered from the store: only cache what we just folded
      // when it sits exactly on the revision we expected.
      if (result.nextExpectedRevision === (revision ?? -1n) + BigInt(events.length)) {
        cache.set(stream, result.nextExpectedRevision, next);
      } else {
        cache.delete(stream);
      }
      return { state: next, revision: result.nextExpectedRevision, events, position: result.position };
    } catch (e) {
      if (!(e instanceof WrongExpectedRevisionError)) throw e;
      cache.delete(stream);
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict('concurrent_update', `${stream} kept changing under this command; try again`);
      }
      // Jittered backoff, so writers in other processes do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/** Folds a stream's state, starting from the cached state and revision when there is one. */
export async function aggregate<State, Command, Event extends DomainEvent>(
  store: EventStore,
  cache: StateCache,
  decider: Decider<State, Command, Event>,
  stream: string,
): Promise<{ state: State; revision: bigint | undefined }> {
  const cached = cache.get<State>(stream);
  let state = cached ? cached.state : decider.initialState();
  let revision = cached?.revision;
  const events = await store.readStream(stream, { fromRevision: revision === undefined ? 0n : revision + 1n });
  for (const e of events) {
    state = decider.evolve(state, { type: e.type, data: e.data } as Event);
    revision = e.revision;
  }
  if (events.length > 0 && revision !== undefined) cache.set(stream, revision, state);
  return { state, revision };
}
