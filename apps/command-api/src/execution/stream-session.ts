import { DomainError } from '@certm3/domain';
import {
  collect,
  eventIdFor,
  sealMetadata,
  sealOf,
  EventStore,
  ExpectedRevision,
  JsonObject,
  RecordedEvent,
  StreamNotFoundError,
} from '@certm3/event-store';
import { CommandContext } from './command-context';

type DomainEvent = { type: string; data: object };

export interface LoadedStream<State> {
  readonly state: State;
  /** For the next append: 'no_stream' or the revision of the last event. */
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly RecordedEvent[];
  /** Events this very command already wrote (a retry after a conflict, a crash or a duplicate delivery). */
  readonly writtenByThisCommand: readonly RecordedEvent[];
}

export interface Evolver<State, Event> {
  evolve(state: State, event: Event, occurredAt?: string): State;
  readonly initialState: State;
}

/**
 * The one place the write side reads streams and appends to them for a command: it stamps every event
 * with the command's metadata and a deterministic id, and lets handlers tell a first run from a replay.
 */
export class StreamSession {
  constructor(
    private readonly store: EventStore,
    readonly context: CommandContext,
    /** The acting user; for bootstrap, the new administrator (known only once the handler picks the id). */
    private actorId: string | undefined,
    readonly now: string,
  ) {}

  actAs(actorId: string): void {
    this.actorId = actorId;
  }

  async load<State, Event>(streamId: string, evolver: Evolver<State, Event>): Promise<LoadedStream<State>> {
    let events: RecordedEvent[];
    try {
      events = await collect(this.store.readStream(streamId));
    } catch (error) {
      if (error instanceof StreamNotFoundError) events = [];
      else throw error;
    }
    let state = evolver.initialState;
    for (const event of events) {
      state = evolver.evolve(
        state,
        { type: event.type, data: event.data } as Event,
        event.metadata.occurredAt as string,
      );
    }
    return {
      state,
      expectedRevision: events.length === 0 ? 'no_stream' : events[events.length - 1].revision,
      events,
      writtenByThisCommand: events.filter((event) => event.metadata.commandId === this.context.commandId),
    };
  }

  /** Appends `events` decided on `loaded`; returns the stream's revision afterwards. */
  async append(
    streamId: string,
    loaded: LoadedStream<unknown>,
    events: readonly DomainEvent[],
  ): Promise<number> {
    if (events.length === 0) return currentRevision(loaded);
    if (!this.actorId) throw new Error('an event needs an actor');
    const offset = loaded.events.length;
    // Each event is sealed to the one before it in the stream (tamper evidence for auditors).
    let previousHash =
      loaded.events.length > 0 ? (sealOf(loaded.events[loaded.events.length - 1])?.hash ?? null) : null;
    const toAppend = events.map((event, index) => {
      const eventId = eventIdFor(this.context.commandId, `${streamId}/${offset + index}`);
      const unsealed = {
        streamId,
        revision: BigInt(offset + index),
        type: event.type,
        data: event.data as JsonObject,
        metadata: {
          eventId,
          commandId: this.context.commandId,
          commandName: this.context.commandName,
          correlationId: this.context.correlationId,
          causationId: this.context.commandId,
          actorId: this.actorId!,
          occurredAt: this.now,
          schemaVersion: 1,
        },
      };
      const metadata = sealMetadata(unsealed, previousHash);
      previousHash = sealOf({ metadata })!.hash;
      return { id: eventId, type: event.type, data: unsealed.data, metadata };
    });
    const result = await this.store.append(streamId, toAppend, { expectedRevision: loaded.expectedRevision });
    return Number(result.nextRevision);
  }

  /**
   * Load, decide, append — unless this command already wrote to the stream, in which case its first
   * outcome stands and nothing is decided again.
   */
  async decideAndAppend<State, Command, Event extends DomainEvent>(
    streamId: string,
    decider: Evolver<State, Event> & { decide(command: Command, state: State): Event[] },
    command: Command | ((state: State) => Command),
  ): Promise<{ revision: number; state: State }> {
    const loaded = await this.load(streamId, decider);
    if (loaded.writtenByThisCommand.length > 0) {
      const last = loaded.writtenByThisCommand[loaded.writtenByThisCommand.length - 1];
      return { revision: Number(last.revision), state: loaded.state };
    }
    const resolved =
      typeof command === 'function' ? (command as (state: State) => Command)(loaded.state) : command;
    const events = decider.decide(resolved, loaded.state);
    const revision = await this.append(streamId, loaded, events);
    return { revision, state: applyAll(decider, loaded.state, events) };
  }
}

function applyAll<State, Event>(
  evolver: Evolver<State, Event>,
  state: State,
  events: readonly Event[],
): State {
  return events.reduce((current, event) => evolver.evolve(current, event), state);
}

export function currentRevision(loaded: LoadedStream<unknown>): number {
  return loaded.events.length === 0 ? -1 : Number(loaded.events[loaded.events.length - 1].revision);
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
