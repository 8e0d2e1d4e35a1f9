import { upcastEventData, schemaVersionOf } from '@certm3/domain';
import {
  AppendResult,
  eventIdFor,
  sealMetadata,
  sealOf,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  JsonObject,
  RecordedEvent,
  StreamAppend,
  StreamCondition,
  WrongExpectedRevisionError,
} from '@certm3/event-store';
import { CommandContext } from './command-context';

type DomainEvent = { type: string; data: object };

/** An event of a stream as a definition sees it: stored already, or appended by this command and not yet. */
export interface StreamEvent {
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly revision: bigint;
}

export interface LoadedStream<State> {
  readonly streamId: string;
  readonly state: State;
  readonly events: readonly StreamEvent[];
  /** Events this very command wrote: a retry after a partial write, or appended earlier in this run. */
  readonly writtenByThisCommand: readonly StreamEvent[];
}

/** What folding a stream needs; time is in the events (never a hidden argument). */
export interface Evolver<State, Event> {
  evolve(state: State, event: Event): State;
  readonly initialState: State;
}

interface PendingAppend {
  readonly streamId: string;
  readonly expectedRevision: ExpectedRevision;
  readonly events: EventToAppend[];
}

/**
 * The one place the write side reads streams and appends to them for a command: it stamps every event
 * with the command's metadata and a deterministic id, lets a definition tell a first run from a replay, and
 * remembers every stream it read.
 *
 * Appends are held until the command is done and then written in one call with the command's outcome
 * (`flush`): on a store with atomic multi-stream appends, a command's events and its recorded answer commit
 * together or not at all, and a refused command writes nothing but its answer. **No decision on a stale
 * read**: every stream the command read and does not append to becomes a condition of that call, at the
 * revision it was read at, so if any of them moved meanwhile the commit fails and the command is decided
 * again on fresh reads. Reads within the session see the session's own pending appends.
 */
export class StreamSession {
  private readonly stored = new Map<string, readonly RecordedEvent[]>();
  private readonly pending = new Map<string, PendingAppend>();
  private lastAppended: string | undefined;

  constructor(
    private readonly store: EventStore,
    readonly context: CommandContext,
    /** The acting user; for bootstrap, the new administrator (known once its definition picks the id). */
    private actorId: string | undefined,
    readonly now: string,
  ) {}

  actAs(actorId: string): void {
    this.actorId = actorId;
  }

  /** Reads the streams the command is about to load, in one round trip where the store allows. */
  async preload(streamIds: readonly string[]): Promise<void> {
    const missing = streamIds.filter((streamId) => !this.stored.has(streamId));
    if (missing.length === 0) return;
    for (const [streamId, events] of await this.store.readStreams(missing)) this.stored.set(streamId, events);
  }

  async load<State, Event>(streamId: string, evolver: Evolver<State, Event>): Promise<LoadedStream<State>> {
    const events = [...(await this.readStored(streamId)), ...this.pendingEvents(streamId)];
    let state = evolver.initialState;
    for (const event of events) {
      const data = upcastEventData(event.type, event.data, event.metadata);
      state = evolver.evolve(state, { type: event.type, data } as Event);
    }
    return {
      streamId,
      state,
      events,
      writtenByThisCommand: events.filter((event) => event.metadata.commandId === this.context.commandId),
    };
  }

  /** Appends `events` decided on `loaded` (when the command is done); returns the stream's revision then. */
  append(loaded: LoadedStream<unknown>, events: readonly DomainEvent[]): number {
    const { streamId } = loaded;
    const stored = this.stored.get(streamId);
    const pending = this.pending.get(streamId);
    if (!stored || loaded.events.length !== stored.length + (pending?.events.length ?? 0)) {
      // A programming error, not a conflict: the definition decided on a view older than its own appends.
      throw new Error(`append to ${streamId} decided on a stale load`);
    }
    if (events.length === 0) return currentRevision(loaded);
    if (!this.actorId) throw new Error('an event needs an actor');
    if (pending && this.lastAppended !== streamId) {
      // The flush writes stream by stream, so this event would land before the other streams' events
      // appended in between, against the order they were decided in (readers rely on it).
      throw new Error(`appends to ${streamId} interleave with appends to other streams: writeNow() first`);
    }
    this.lastAppended = streamId;
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
          schemaVersion: schemaVersionOf(event.type),
        },
      };
      const metadata = sealMetadata(unsealed, previousHash);
      previousHash = sealOf({ metadata })!.hash;
      return { id: eventId, type: event.type, data: unsealed.data, metadata };
    });
    if (pending) pending.events.push(...toAppend);
    else {
      const last = stored[stored.length - 1];
      this.pending.set(streamId, {
        streamId,
        expectedRevision: last ? last.revision : 'no_stream',
        events: toAppend,
      });
    }
    return offset + events.length - 1;
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
    const revision = this.append(loaded, events);
    return { revision, state: events.reduce((state, event) => decider.evolve(state, event), loaded.state) };
  }

  /**
   * The streams this command read and does not append to, at the revision it read them (no events: "no
   * stream"), plus `extra` (the actor's stream as the executor found it). A stream in both keeps the
   * executor's expectation: should it be older than this read, the commit fails and the command runs again.
   * (An extra condition on a stream the command appends to is checked against that append: see flush.)
   */
  conditions(extra: readonly StreamCondition[] = []): StreamCondition[] {
    const conditions = new Map<string, StreamCondition>();
    for (const condition of extra) conditions.set(condition.streamId, condition);
    for (const [streamId, events] of this.stored) {
      if (conditions.has(streamId)) continue;
      const last = events[events.length - 1];
      conditions.set(streamId, { streamId, expectedRevision: last ? last.revision : 'no_stream' });
    }
    return [...conditions.values()].filter((condition) => !this.pending.has(condition.streamId));
  }

  /**
   * Writes the pending appends, then `last`, in one call (atomic where the store can), on the condition
   * that every stream the command read is still as it was read (see `conditions`).
   */
  async flush(last: StreamAppend, extra: readonly StreamCondition[] = []): Promise<AppendResult[]> {
    this.assertAppendsMeet(extra);
    return this.store.appendToStreams([...this.pending.values(), last], {
      conditions: this.conditions(extra).filter((condition) => condition.streamId !== last.streamId),
    });
  }

  /**
   * An extra condition on a stream this command also appends to (the actor acting on their own user
   * stream) is not dropped: the append must expect the very revision the condition names, or the executor's
   * check was made on another version of that stream than the decision — a conflict, decided again on a
   * fresh read. (Regression: the condition was dropped, and a user deactivated meanwhile could still
   * reactivate themselves, their append expecting the fresh revision that already held the deactivation.)
   */
  private assertAppendsMeet(extra: readonly StreamCondition[]): void {
    for (const condition of extra) {
      const pending = this.pending.get(condition.streamId);
      if (pending && pending.expectedRevision !== condition.expectedRevision) {
        const actual = pending.expectedRevision;
        throw new WrongExpectedRevisionError(
          condition.streamId,
          condition.expectedRevision,
          typeof actual === 'bigint' ? actual : 'no_stream',
        );
      }
    }
  }

  /**
   * Writes the pending appends now, ahead of the rest of the command: for a command whose events must
   * interleave across streams (bootstrap: the administrator, then the group they create, then their
   * membership of it). Held to what it read so far, like a flush; not atomic with what follows; a retry
   * finds them as written by this command.
   */
  async writeNow(extra: readonly StreamCondition[] = []): Promise<void> {
    if (this.pending.size === 0) return;
    this.assertAppendsMeet(extra);
    await this.store.appendToStreams([...this.pending.values()], { conditions: this.conditions(extra) });
    for (const streamId of this.pending.keys()) this.stored.delete(streamId);
    this.pending.clear();
    this.lastAppended = undefined;
  }

  /** Forgets the pending appends: the command was refused, and a refused command changes nothing. */
  discard(): void {
    this.pending.clear();
    this.lastAppended = undefined;
  }

  private async readStored(streamId: string): Promise<readonly RecordedEvent[]> {
    if (!this.stored.has(streamId)) await this.preload([streamId]);
    return this.stored.get(streamId)!;
  }

  private pendingEvents(streamId: string): StreamEvent[] {
    const pending = this.pending.get(streamId);
    if (!pending) return [];
    const first = (this.stored.get(streamId) ?? []).length;
    return pending.events.map((event, index) => ({
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      revision: BigInt(first + index),
    }));
  }
}

function currentRevision(loaded: LoadedStream<unknown>): number {
  return loaded.events.length === 0 ? -1 : Number(loaded.events[loaded.events.length - 1].revision);
}
