import { Injectable } from '@nestjs/common';
import type { Actor, Decider, DomainEvent } from '@yuantrace/domain';
import {
  EventStore,
  handleMultiStreamCommand,
  KeyedMutex,
  runHoldingAll,
  StateCache,
  aggregate,
  type Boundary,
  type Decision,
  type MultiCommandResult,
} from '@yuantrace/event-store';
import { Clock } from '../infrastructure/clock';

/** Who asks and under which correlation: what every command carries into its events' metadata. */
export type CommandOrigin = { actor: Actor; correlationId: string; causationId?: string };

/**
 * The one command handler of the api: load every stream of the command's boundary → one pure
 * decision → one atomic append (handleMultiStreamCommand), with the process's state cache and
 * clock. Command ids are derived from the resource and operation; event ids add the revision and
 * the content, so a retried request is de-duplicated and a different command never is.
 *
 * Commands of this process that share a stream queue on it (in sorted order, so never in a
 * cycle): not for correctness — the expected revisions give that across processes — but so that
 * many payments on one batch wait briefly instead of colliding and re-reading.
 */
@Injectable()
export class CommandHandler {
  private readonly perStream = new KeyedMutex();

  constructor(
    readonly store: EventStore,
    private readonly cache: StateCache,
    private readonly clock: Clock,
  ) {}

  async decide<States extends Record<string, unknown>>(
    boundary: Boundary<States>,
    decide: (states: States) => Decision<States>,
    commandId: string,
    origin: CommandOrigin,
  ): Promise<MultiCommandResult<States>> {
    const streams = Object.values(boundary).map((b) => (b as { stream: string }).stream);
    return runHoldingAll(this.perStream, streams, () =>
      handleMultiStreamCommand(this.store, this.cache, boundary, decide, {
        commandId,
        correlationId: origin.correlationId,
        causationId: origin.causationId,
        actor: origin.actor,
        now: this.clock.now(),
      }),
    );
  }

  /** A command on one stream. */
  async handle<S, C, E extends DomainEvent>(decider: Decider<S, C, E>, stream: string, command: C, commandId: string, origin: CommandOrigin) {
    const r = await this.decide<{ self: S }>({ self: { stream, decider } }, ({ self }) => ({ self: decider.decide(command, self) }), commandId, origin);
    return { state: r.states.self, events: r.events.self, stored: r.stored };
  }

  /** Current state of a stream, read through the cache (the events after the cached revision). */
  async load<S, C, E extends DomainEvent>(decider: Decider<S, C, E>, stream: string): Promise<S> {
    return (await aggregate(this.store, this.cache, decider, stream)).state;
  }

  /**
   * A stream's state as this process last saw it, read only when it has not seen the stream.
   * For what never changes once true — that a stream exists, the unit it belongs to, a payment's
   * batch and project — and for the answer to a command this process just wrote: no round trip.
   * Never for a rule's decision, which handleMultiStreamCommand makes on checked revisions.
   */
  async peek<S, C, E extends DomainEvent>(decider: Decider<S, C, E>, stream: string): Promise<S> {
    const cached = this.cache.get<S>(stream);
    return cached ? cached.state : this.load(decider, stream);
  }
}
