import { canonicalKey, conflict, Rejection, type Actor, type Decider, type DomainEvent } from '@yuantrace/domain';
import { WrongExpectedRevisionError } from './errors';
import { deterministicUuid } from './event-id';
import type { EventStore, GlobalPosition, NewEvent, StreamAppend } from './event-store.port';
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

/** What the handler needs of a stream's decider: how to fold its events (any decider of that state has it). */
export type Fold<State> = { initialState: () => State; evolve: (state: State, event: never) => State };

/** The streams a command's rules read, by name, each with the decider that folds it. */
export type Boundary<States extends Record<string, unknown>> = {
  [K in keyof States]: { stream: string; decider: Fold<States[K]> };
};

/** What the one decision over a boundary returns: the events for each stream it changes. */
export type Decision<States extends Record<string, unknown>> = { [K in keyof States]?: DomainEvent[] };

export type MultiCommandResult<States extends Record<string, unknown>> = {
  /** Every stream's state after the command. */
  states: States;
  /** The events written, per stream (empty when the decision was to do nothing). */
  events: { [K in keyof States]: DomainEvent[] };
  /** Every event written, in append order, with the id it was stored under. */
  stored: Array<{ id: string; streamId: string; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }>;
  /** Every stream's revision after the command (undefined: the stream does not exist). */
  revisions: { [K in keyof States]: bigint | undefined };
  position?: GlobalPosition;
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
 * An event's id names the command, the stream, the revision it lands at and what it says. A
 * retry of this very attempt is recognised by the store; two different commands (an approval and
 * a rejection of one payment, one payment id with two bodies) can never share an id, so the store
 * can never take one for a retry of the other; and the same command id used again later gets new
 * ids because the revision differs.
 */
export const eventIdOf = (commandId: string, stream: string, revision: bigint, event: DomainEvent) =>
  deterministicUuid(commandId, stream, revision.toString(), event.type, canonicalKey(event.data));

/**
 * The one command handler (DESIGN.md §3): load every stream the command's rules read → one pure
 * decision over all their states → one atomic append of the events to all of them, each stream
 * with its expected revision (streams it read but does not change are checked, not written). If
 * any stream moved, re-read and re-decide, a bounded number of times, then 409.
 *
 * Reads are optimistic: a stream whose folded state is cached is used as cached, unread, and a
 * stream this process has never seen is taken to be new, so a command on warm state, or one
 * that creates, costs one round trip (the append). The cache can only lag the store,
 * never lead it, so a stale state shows up either as a conflict on append (then re-read) or as a
 * refusal — which is therefore confirmed against freshly read state before it is answered.
 */
export async function handleMultiStreamCommand<States extends Record<string, unknown>>(
  store: EventStore,
  cache: StateCache,
  boundary: Boundary<States>,
  decide: (states: States) => Decision<States>,
  context: CommandContext,
): Promise<MultiCommandResult<States>> {
  const keys = Object.keys(boundary) as Array<keyof States & string>;
  let fresh = false;
  for (let attempt = 1; ; attempt++) {
    const loaded = await Promise.all(keys.map((k) => load(store, cache, boundary[k].decider, boundary[k].stream, fresh)));
    const states = Object.fromEntries(keys.map((k, i) => [k, loaded[i].state])) as States;
    let decision: Decision<States>;
    try {
      decision = decide(states);
    } catch (e) {
      if (e instanceof Rejection && !fresh && loaded.some((l) => !l.verified)) {
        fresh = true;
        attempt--;
        continue;
      }
      // The streams were read one by one, so a commit may have landed between two reads and the
      // refusal been judged on a mix of before and after. Read again: if no revision moved, both
      // reads saw one consistent cut and the refusal stands; otherwise decide again on the new one.
      if (e instanceof Rejection && keys.length > 1 && attempt < MAX_ATTEMPTS) {
        const again = await Promise.all(keys.map((k) => load(store, cache, boundary[k].decider, boundary[k].stream, true)));
        if (again.some((l, i) => l.revision !== loaded[i].revision)) continue;
      }
      throw e;
    }
    const events = Object.fromEntries(keys.map((k) => [k, decision[k] ?? []])) as MultiCommandResult<States>['events'];
    const total = keys.reduce((n, k) => n + events[k].length, 0);
    if (total === 0) {
      // Nothing to do (a repeated command): only an answer from state read just now is trusted.
      if (!fresh && loaded.some((l) => !l.verified)) {
        fresh = true;
        attempt--;
        continue;
      }
      return { states, events, stored: [], revisions: Object.fromEntries(keys.map((k, i) => [k, loaded[i].revision])) as MultiCommandResult<States>['revisions'] };
    }
    const metadata = {
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId ?? context.commandId,
      actor: context.actor,
      recordedAt: context.now.toISOString(),
    };
    const stored: MultiCommandResult<States>['stored'] = [];
    const appends: StreamAppend[] = keys.map((k, i) => {
      const { stream } = boundary[k];
      const revision = loaded[i].revision;
      const newEvents: NewEvent[] = events[k].map((e, j) => {
        const id = eventIdOf(context.commandId, stream, (revision ?? -1n) + 1n + BigInt(j), e);
        stored.push({ id, streamId: stream, type: e.type, data: e.data, metadata });
        return { id, type: e.type, data: e.data, metadata };
      });
      return { stream, events: newEvents, expectedRevision: revision ?? 'no_stream' };
    });
    try {
      const result = await store.appendToStreams(appends);
      const after = keys.map((k, i) => events[k].reduce((state, e) => boundary[k].decider.evolve(state, e as never), loaded[i].state));
      keys.forEach((k, i) => {
        const written = events[k].length;
        if (written === 0) return;
        const next = result.streams[i].nextExpectedRevision;
        // A retried append may have been answered from the store: cache only what sits exactly where we expected.
        if (next !== undefined && next === (loaded[i].revision ?? -1n) + BigInt(written)) cache.set(boundary[k].stream, next, after[i]);
        else cache.delete(boundary[k].stream);
      });
      return { states: Object.fromEntries(keys.map((k, i) => [k, after[i]])) as States, events, stored, position: result.position,
        revisions: Object.fromEntries(keys.map((k, i) => [k, result.streams[i].nextExpectedRevision])) as MultiCommandResult<States>['revisions'] };
    } catch (e) {
      if (!(e instanceof WrongExpectedRevisionError)) throw e;
      // The cache stays: the re-read starts after each stream's cached revision.
      fresh = true;
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict('concurrent_update', `${e.stream} kept changing under this command; try again`);
      }
      // Jittered backoff, so writers in other processes do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/** The single-stream case: a command whose rules read only its own stream. */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  cache: StateCache,
  decider: Decider<State, Command, Event>,
  stream: string,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<State>> {
  const r = await handleMultiStreamCommand<{ self: State }>(
    store,
    cache,
    { self: { stream, decider } },
    ({ self }) => ({ self: decider.decide(command, self) }),
    context,
  );
  return { state: r.states.self, revision: r.revisions.self, events: r.events.self, position: r.position };
}

/** Folds a stream's state, starting from the cached state and revision when there is one. */
export async function aggregate<State, Command, Event extends DomainEvent>(
  store: EventStore,
  cache: StateCache,
  decider: Decider<State, Command, Event>,
  stream: string,
): Promise<{ state: State; revision: bigint | undefined }> {
  const { state, revision } = await load(store, cache, decider, stream, true);
  return { state, revision };
}

/**
 * A stream's state: from the cache as it stands (unverified) unless `fresh`, else the cached
 * state brought up to date with the events after its revision (or folded from the start).
 */
async function load<State>(
  store: EventStore,
  cache: StateCache,
  decider: Fold<State>,
  stream: string,
  fresh: boolean,
): Promise<{ state: State; revision: bigint | undefined; verified: boolean }> {
  const cached = cache.get<State>(stream);
  if (!fresh) {
    // Unseen streams are taken as new: a create (a payment id never used) then costs no read, and
    // if the stream does exist after all, the append's no_stream expectation fails and we re-read.
    return cached ? { state: cached.state, revision: cached.revision, verified: false } : { state: decider.initialState(), revision: undefined, verified: false };
  }
  let state = cached ? cached.state : decider.initialState();
  let revision = cached?.revision;
  const events = await store.readStream(stream, { fromRevision: revision === undefined ? 0n : revision + 1n });
  for (const e of events) {
    state = decider.evolve(state, { type: e.type, data: e.data } as never);
    revision = e.revision;
  }
  if (events.length > 0 && revision !== undefined) cache.set(stream, revision, state);
  return { state, revision, verified: true };
}
