/**
 * An aggregate as three plain functions: given its state, `decide` turns a command into new events (or
 * throws a DomainError); `evolve` folds one event into the state; `initialState` is the state of a stream
 * with no events. No I/O anywhere, so every rule is testable given/when/then.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  readonly initialState: State;
}

export function foldEvents<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
