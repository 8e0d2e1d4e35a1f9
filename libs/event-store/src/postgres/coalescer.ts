/**
 * Sends requests in batches, one batch per round trip, without ever waiting on a timer: a request goes
 * out at once while fewer than `maxInFlight` batches are out, and otherwise waits and leaves with every
 * request that queued behind it. At low load nothing is delayed; under load each round trip carries many
 * requests, which on this kind of machine (a round trip costs far more than the work it carries) is most
 * of what concurrent writers can gain.
 *
 * Requests whose keys conflict never share a batch: the later one waits for a later batch, so a batch never
 * holds two appends to the same stream, nor an append to a stream and a condition on it, and appends to
 * one stream leave in the order they came. Shared keys (conditions: streams only checked) do not conflict
 * with each other: many commands by one actor, each holding that actor's stream, still leave together.
 */
/** What a request writes, and what it only reads (may be shared with other requests of a batch). */
export interface RequestKeys {
  readonly exclusive: readonly string[];
  readonly shared?: readonly string[];
}

export class Coalescer<Request, Result> {
  private readonly waiting: {
    readonly request: Request;
    readonly resolve: (result: Result) => void;
    readonly reject: (error: unknown) => void;
  }[] = [];
  private inFlight = 0;

  constructor(
    private readonly options: {
      readonly maxInFlight: number;
      readonly maxBatch: number;
      /** What a request writes (`exclusive`) and only checks (`shared`); unset, requests never conflict. */
      readonly keysOf?: (request: Request) => RequestKeys;
      /** One outcome per request, in order: its result, or the error it fails with. */
      readonly run: (batch: Request[]) => Promise<(Result | CoalescedFailure)[]>;
    },
  ) {}

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      // Alone in the queue (the usual case below the in-flight limit): no batch to assemble.
      const batch = this.waiting.length === 1 ? this.waiting.splice(0, 1) : this.takeBatch();
      this.inFlight++;
      this.options
        .run(batch.map((entry) => entry.request))
        .then(
          (outcomes) =>
            outcomes.forEach((outcome, index) =>
              outcome instanceof CoalescedFailure
                ? batch[index].reject(outcome.error)
                : batch[index].resolve(outcome),
            ),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private takeBatch() {
    const keysOf = this.options.keysOf ?? ((): RequestKeys => ({ exclusive: [] }));
    const taken: typeof this.waiting = [];
    const left: typeof this.waiting = [];
    const written = new Set<string>();
    const checked = new Set<string>();
    for (const entry of this.waiting) {
      const { exclusive, shared = [] } = keysOf(entry.request);
      const fits =
        taken.length < this.options.maxBatch &&
        exclusive.every((key) => !written.has(key) && !checked.has(key)) &&
        shared.every((key) => !written.has(key));
      if (fits) taken.push(entry);
      else left.push(entry);
      // A request left behind holds its keys too, so none behind it overtakes it on a stream it touches.
      for (const key of exclusive) written.add(key);
      for (const key of shared) checked.add(key);
    }
    this.waiting.splice(0, this.waiting.length, ...left);
    return taken;
  }
}

/** The outcome of one request of a batch that failed on its own (the others may have succeeded). */
export class CoalescedFailure {
  constructor(readonly error: unknown) {}
}
