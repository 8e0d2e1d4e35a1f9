import { Decider } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { ErrorCode } from '../shared/error-codes';

/**
 * given(events).when(command).then(events) — or .thenRefuses(code). Test support for deciders: the state
 * is always built from events, never constructed by hand, so specs exercise `evolve` as well.
 */
export function deciderSpec<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(history: Event[]) {
      // An explicit fold: evolve gets the state and the event, never reduce's index as a hidden third argument.
      const state = history.reduce((current, event) => decider.evolve(current, event), decider.initialState);
      return {
        when(command: Command) {
          const decide = () => decider.decide(command, state);
          return {
            then(expected: Event[]): void {
              expect(decide()).toEqual(expected);
            },
            thenNothingHappens(): void {
              expect(decide()).toEqual([]);
            },
            thenRefuses(code: ErrorCode): void {
              let refusal: unknown;
              try {
                const events = decide();
                throw new Error(`expected ${code}, but it decided ${JSON.stringify(events)}`);
              } catch (error) {
                refusal = error;
              }
              expect(refusal).toBeInstanceOf(DomainError);
              expect((refusal as DomainError).code).toBe(code);
            },
          };
        },
      };
    },
  };
}
