import { expect } from '@jest/globals';
import type { Decider, DomainEvent } from '../decider';
import { Rejection } from '../rejection';

/** given(events) → when(command) → then(events) or thenRejects(code): decider tests as tables. */
export function specFor<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return (given: E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenRejects: (code: string, field?: string) => {
          let caught: unknown;
          try {
            run();
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(Rejection);
          expect((caught as Rejection).code).toBe(code);
          if (field !== undefined) expect((caught as Rejection).field).toBe(field);
        },
      };
    },
  });
}
