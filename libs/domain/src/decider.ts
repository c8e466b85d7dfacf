/**
 * The shape of every aggregate (Emmett's decider): pure functions, no I/O, no clock, no
 * random ids. Time and ids come in the command.
 */
export type DomainEvent<Type extends string = string, Data extends Record<string, unknown> = Record<string, unknown>> = {
  type: Type;
  data: Data;
};

export type Decider<State, Command, Event extends DomainEvent> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

/** Who did it: carried in every event's metadata so the audit log names the actor. */
export type Actor = { principalId: string; role: string };
