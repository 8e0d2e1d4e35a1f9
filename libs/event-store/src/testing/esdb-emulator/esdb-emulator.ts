import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';

/**
 * An in-memory stand-in for an EventStoreDB node, speaking the real gRPC protocol through the service
 * definitions generated inside @eventstore/db-client. Test support only: it lets the EventStoreDB adapter be
 * exercised end to end, through the real client over a real HTTP/2 connection, on machines where no
 * EventStoreDB server can run. See README.md beside this file for what it does and does not emulate.
 */

interface StoredRecord {
  readonly streamName: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** 100 ns ticks since the Unix epoch, as the server reports `created`. */
  readonly createdTicks: bigint;
  readonly position: bigint;
}

type Expected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

type Filter = {
  readonly on: 'stream' | 'eventType';
  readonly regex?: RegExp;
  readonly prefixes?: readonly string[];
  /** Events scanned (matching or not) between two checkpoints. */
  readonly checkpointEvery: number;
};

const SERVER_VERSION = '24.10.0-certm3-emulator';
/** The search window the server assumes when a filter asks for `count` rather than a `max`. */
const DEFAULT_SEARCH_WINDOW = 32;
const Status = grpc.status;

export interface EsdbEmulatorOptions {
  /** 0 picks a free port on the first start; later starts reuse it, so clients can reconnect. */
  readonly port?: number;
}

export class EsdbEmulator {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, { lastRevision: bigint; deleted: boolean }>();
  private readonly appendListeners = new Set<() => void>();
  private nextPosition = 1_024n;
  private server: grpc.Server | null = null;
  private port: number;

  constructor(options: EsdbEmulatorOptions = {}) {
    this.port = options.port ?? 0;
    // A fresh EventStoreDB node writes its own system streams before any client connects.
    this.writeSystemEvent('$users', '$User');
    this.writeSystemEvent('$user-admin', '$UserCreated');
    this.writeSystemEvent('$user-ops', '$UserCreated');
    this.writeSystemEvent('$settings', '$settings');
  }

  get url(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new grpc.Server();
    server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => void this.read(call),
      append: (
        call: grpc.ServerReadableStream<AppendReq, AppendResp>,
        callback: grpc.sendUnaryData<AppendResp>,
      ) => this.append(call, callback),
      delete: unimplemented,
      tombstone: unimplemented,
      batchAppend: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
        call.emit('error', { code: Status.UNIMPLEMENTED, details: 'BatchAppend is not emulated' }),
    });
    server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) =>
        callback(null, this.supportedMethods()),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    this.server = server;
  }

  /** Drops every connection and call at once, as a crashed or restarted node would; keeps the data. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.forceShutdown();
    for (const wake of [...this.appendListeners]) wake();
  }

  /** Writes a `$`-prefixed event the way the server's own subsystems (stats, users, scavenges) do. */
  writeSystemEvent(streamName = '$stats-127.0.0.1:2113', type = '$statsCollected'): void {
    if (!streamName.startsWith('$') || !type.startsWith('$'))
      throw new Error('system events have $-prefixed names');
    const current = this.streams.get(streamName);
    this.store(streamName, current ? current.lastRevision : -1n, [
      {
        id: crypto.randomUUID(),
        type,
        contentType: 'application/json',
        data: utf8('{}'),
        customMetadata: new Uint8Array(),
      },
    ]);
  }

  /** Marks a stream deleted (tombstoned), for testing how the adapter reports it; not a protocol call. */
  tombstone(streamName: string): void {
    const current = this.streams.get(streamName);
    this.streams.set(streamName, { lastRevision: current?.lastRevision ?? -1n, deleted: true });
  }

  private supportedMethods(): SupportedMethods {
    const method = (serviceName: string, methodName: string) =>
      new SupportedMethod().setServiceName(serviceName).setMethodName(methodName);
    return new SupportedMethods()
      .setEventStoreServerVersion(SERVER_VERSION)
      .setMethodsList([
        method('event_store.client.streams.Streams', 'Read'),
        method('event_store.client.streams.Streams', 'Append'),
        method('event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'),
      ]);
  }

  // ---- Append ------------------------------------------------------------------------------------------

  private append(
    call: grpc.ServerReadableStream<AppendReq, AppendResp>,
    callback: grpc.sendUnaryData<AppendResp>,
  ): void {
    let options: AppendReq.Options | undefined;
    const proposed: AppendReq.ProposedMessage[] = [];
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      else if (request.hasProposedMessage()) proposed.push(request.getProposedMessage()!);
    });
    call.on('error', () => undefined);
    call.on('end', () => {
      if (!options) return callback({ code: Status.INVALID_ARGUMENT, details: 'append without options' });
      const streamName = decodeStreamName(options.getStreamIdentifier());
      const expected = readExpected(options);
      const stream = this.streams.get(streamName);
      if (stream?.deleted) return callback(streamDeleted(streamName));

      const events = proposed.map((message) => {
        const metadata = message.getMetadataMap();
        return {
          id: message.getId()!.getString(),
          type: metadata.get('type') ?? '',
          contentType: metadata.get('content-type') ?? 'application/octet-stream',
          data: message.getData_asU8(),
          customMetadata: message.getCustomMetadata_asU8(),
        };
      });
      const current = stream?.lastRevision ?? -1n;

      const replay = this.findIdempotentReplay(
        streamName,
        expected,
        events.map((event) => event.id),
      );
      if (replay) return callback(null, success(replay.revision, replay.position));

      if (!matches(expected, current)) return callback(null, wrongExpectedVersion(expected, current));
      if (events.length === 0) return callback(null, success(current, undefined));
      const last = this.store(streamName, current, events);
      callback(null, success(last.revision, last.position));
    });
  }

  /**
   * The server recognises a retried append by its event ids: if the same ids were written at the place the
   * expectation points to, it answers as the first append did and writes nothing.
   */
  private findIdempotentReplay(
    streamName: string,
    expected: Expected,
    ids: readonly string[],
  ): StoredRecord | undefined {
    if (ids.length === 0) return undefined;
    const recorded = this.log.filter((record) => record.streamName === streamName);
    const start =
      expected.kind === 'revision'
        ? Number(expected.revision) + 1
        : expected.kind === 'no_stream'
          ? 0
          : recorded.findIndex((record) => record.id === ids[0]);
    if (start < 0 || start + ids.length > recorded.length) return undefined;
    const candidate = recorded.slice(start, start + ids.length);
    return candidate.every((record, index) => record.id === ids[index])
      ? candidate[candidate.length - 1]
      : undefined;
  }

  private store(
    streamName: string,
    current: bigint,
    events: readonly Omit<StoredRecord, 'streamName' | 'revision' | 'createdTicks' | 'position'>[],
  ): StoredRecord {
    const createdTicks = BigInt(Date.now()) * 10_000n;
    let revision = current;
    let last: StoredRecord | undefined;
    for (const event of events) {
      revision++;
      // Log positions are byte offsets in the server's transaction file: increasing, never contiguous.
      const position = this.nextPosition;
      this.nextPosition += BigInt(
        96 + event.data.length + event.customMetadata.length + streamName.length + event.type.length,
      );
      last = { ...event, streamName, revision, createdTicks, position };
      this.log.push(last);
    }
    this.streams.set(streamName, { lastRevision: revision, deleted: false });
    for (const wake of [...this.appendListeners]) wake();
    return last!;
  }

  // ---- Read and subscribe ------------------------------------------------------------------------------

  private async read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const options = call.request.getOptions();
    if (!options)
      return void call.emit('error', { code: Status.INVALID_ARGUMENT, details: 'read without options' });
    let cancelled = false;
    call.on('cancelled', () => (cancelled = true));
    const write = async (response: ReadResp) => {
      if (cancelled || !this.server) return;
      if (!call.write(response)) await once(call, 'drain');
    };
    try {
      if (options.hasSubscription()) {
        await this.subscribe(call, options, write, () => cancelled || !this.server);
      } else if (options.hasStream()) {
        await this.readStream(options, write);
      } else {
        await this.readAll(options, write);
      }
      if (!cancelled && this.server) call.end();
    } catch (error) {
      if (!cancelled) call.emit('error', error);
    }
  }

  private async readStream(
    options: ReadReq.Options,
    write: (response: ReadResp) => Promise<void>,
  ): Promise<void> {
    const streamOptions = options.getStream()!;
    const streamName = decodeStreamName(streamOptions.getStreamIdentifier());
    const stream = this.streams.get(streamName);
    if (stream?.deleted) throw streamDeleted(streamName);
    if (!stream) {
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamOptions.getStreamIdentifier());
      await write(new ReadResp().setStreamNotFound(notFound));
      return;
    }
    const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
    const count = BigInt(options.getCount() || '0');
    let records = this.log.filter((record) => record.streamName === streamName);
    if (!forwards) records = records.reverse();
    const from = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : undefined;
    if (from !== undefined) {
      records = records.filter((record) => (forwards ? record.revision >= from : record.revision <= from));
    } else if (streamOptions.hasEnd() && forwards) {
      records = [];
    }
    for (const record of records.slice(0, Number(count))) await write(eventResponse(record));
  }

  private async readAll(
    options: ReadReq.Options,
    write: (response: ReadResp) => Promise<void>,
  ): Promise<void> {
    const allOptions = options.getAll()!;
    const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
    const count = Number(BigInt(options.getCount() || '0'));
    let records: StoredRecord[];
    if (allOptions.hasPosition()) {
      const from = BigInt(allOptions.getPosition()!.getCommitPosition());
      // Forwards from a position includes the event at it; backwards starts before it.
      records = forwards
        ? this.log.filter((record) => record.position >= from)
        : this.log.filter((record) => record.position < from).reverse();
    } else if (allOptions.hasEnd()) {
      records = forwards ? [] : [...this.log].reverse();
    } else {
      records = forwards ? [...this.log] : [];
    }
    for (const record of records.slice(0, count)) await write(eventResponse(record));
  }

  /**
   * Catch-up then live with no gap: the log only grows at the end and this loop is the only reader of its
   * cursor, so after sending what exists it waits for the next append and carries on from the same index.
   */
  private async subscribe(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadReq.Options,
    write: (response: ReadResp) => Promise<void>,
    finished: () => boolean,
  ): Promise<void> {
    const filter = readFilter(options);
    let streamName: string | undefined;
    let cursor: number;
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      streamName = decodeStreamName(streamOptions.getStreamIdentifier());
      if (this.streams.get(streamName)?.deleted) throw streamDeleted(streamName);
      cursor = streamOptions.hasStart()
        ? 0
        : streamOptions.hasEnd()
          ? this.log.length
          : this.indexAfter(
              (record) =>
                record.streamName === streamName && record.revision <= BigInt(streamOptions.getRevision()),
            );
    } else {
      const allOptions = options.getAll()!;
      cursor = allOptions.hasStart()
        ? 0
        : allOptions.hasEnd()
          ? this.log.length
          : this.indexAfter(
              (record) => record.position <= BigInt(allOptions.getPosition()!.getCommitPosition()),
            );
    }

    await write(
      new ReadResp().setConfirmation(
        new ReadResp.SubscriptionConfirmation().setSubscriptionId(crypto.randomUUID()),
      ),
    );
    let scannedSinceCheckpoint = 0;
    let lastScanned: StoredRecord | undefined;
    let caughtUp = false;
    while (!finished()) {
      if (cursor < this.log.length) {
        const record = this.log[cursor++];
        if (streamName !== undefined && record.streamName !== streamName) continue;
        lastScanned = record;
        if (!filter || filterMatches(filter, record)) {
          await write(eventResponse(record));
          scannedSinceCheckpoint = 0;
          continue;
        }
        if (++scannedSinceCheckpoint >= filter.checkpointEvery) {
          await write(checkpoint(record));
          scannedSinceCheckpoint = 0;
        }
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        if (filter && scannedSinceCheckpoint > 0 && lastScanned) {
          await write(checkpoint(lastScanned));
          scannedSinceCheckpoint = 0;
        }
        await write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.appendListeners.delete(wake);
          call.off('cancelled', wake);
          resolve();
        };
        this.appendListeners.add(wake);
        call.once('cancelled', wake);
      });
    }
  }

  /** Index of the first record after the last one satisfying `atOrBefore` (records are in log order). */
  private indexAfter(atOrBefore: (record: StoredRecord) => boolean): number {
    let index = 0;
    for (let i = 0; i < this.log.length; i++) if (atOrBefore(this.log[i])) index = i + 1;
    return index;
  }
}

// ---- Protocol helpers ------------------------------------------------------------------------------------

function unimplemented(_call: unknown, callback: grpc.sendUnaryData<unknown>): void {
  callback({ code: Status.UNIMPLEMENTED, details: 'not emulated' });
}

function utf8(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'utf8'));
}

function decodeStreamName(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function readExpected(options: AppendReq.Options): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function matches(expected: Expected, current: bigint): boolean {
  switch (expected.kind) {
    case 'any':
      return true;
    case 'no_stream':
      return current === -1n;
    case 'stream_exists':
      return current >= 0n;
    case 'revision':
      return current === expected.revision;
  }
}

function success(revision: bigint, position: bigint | undefined): AppendResp {
  const result = new AppendResp.Success();
  if (revision < 0n) result.setNoStream(new Empty());
  else result.setCurrentRevision(revision.toString());
  if (position === undefined) result.setNoPosition(new Empty());
  else
    result.setPosition(
      new AppendResp.Position()
        .setCommitPosition(position.toString())
        .setPreparePosition(position.toString()),
    );
  return new AppendResp().setSuccess(result);
}

function wrongExpectedVersion(expected: Expected, current: bigint): AppendResp {
  const wrong = new AppendResp.WrongExpectedVersion();
  if (current < 0n) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(current.toString());
  switch (expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty());
      break;
    case 'revision':
      wrong.setExpectedRevision(expected.revision.toString());
      break;
  }
  return new AppendResp().setWrongExpectedVersion(wrong);
}

/** How the server reports a deleted stream: FAILED_PRECONDITION with the exception named in trailers. */
function streamDeleted(streamName: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', streamName);
  return Object.assign(new Error(`Event stream '${streamName}' is deleted.`), {
    code: Status.FAILED_PRECONDITION,
    details: `Event stream '${streamName}' is deleted.`,
    metadata,
  });
}

function eventResponse(record: StoredRecord): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(record.id))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(utf8(record.streamName)))
    .setStreamRevision(record.revision.toString())
    .setPreparePosition(record.position.toString())
    .setCommitPosition(record.position.toString())
    .setData(record.data)
    .setCustomMetadata(record.customMetadata);
  recorded.getMetadataMap().set('type', record.type);
  recorded.getMetadataMap().set('content-type', record.contentType);
  recorded.getMetadataMap().set('created', record.createdTicks.toString());
  const event = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(record.position.toString());
  return new ReadResp().setEvent(event);
}

function checkpoint(record: StoredRecord): ReadResp {
  return new ReadResp().setCheckpoint(
    new ReadResp.Checkpoint()
      .setCommitPosition(record.position.toString())
      .setPreparePosition(record.position.toString()),
  );
}

function readFilter(options: ReadReq.Options): Filter | undefined {
  if (!options.hasFilter()) return undefined;
  const filterOptions = options.getFilter()!;
  const on = filterOptions.hasStreamIdentifier() ? 'stream' : 'eventType';
  const expression = on === 'stream' ? filterOptions.getStreamIdentifier()! : filterOptions.getEventType()!;
  const window = filterOptions.hasMax() ? filterOptions.getMax() : DEFAULT_SEARCH_WINDOW;
  const multiplier = Math.max(1, filterOptions.getCheckpointintervalmultiplier());
  return {
    on,
    regex: expression.getRegex() ? new RegExp(expression.getRegex()) : undefined,
    prefixes: expression.getPrefixList().length > 0 ? expression.getPrefixList() : undefined,
    checkpointEvery: window * multiplier,
  };
}

function filterMatches(filter: Filter, record: StoredRecord): boolean {
  const subject = filter.on === 'stream' ? record.streamName : record.type;
  if (filter.prefixes) return filter.prefixes.some((prefix) => subject.startsWith(prefix));
  return filter.regex ? filter.regex.test(subject) : true;
}
