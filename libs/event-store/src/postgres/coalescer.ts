/**
 * Sends requests in batches, one batch per round trip, without ever waiting on a timer: a request goes
 * out at once while fewer than `maxInFlight` batches are out, and otherwise waits and leaves with every
 * request that queued behind it. At low load nothing is delayed; under load each round trip carries many
 * requests, which on this kind of machine (a round trip costs far more than the work it carries) is most
 * of what concurrent writers can gain.
 *
 * Requests whose keys overlap never share a batch: the later one waits for a later batch, so a batch
 * never holds two appends to the same stream, and appends to one stream leave in the order they came.
 */
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
      readonly keysOf?: (request: Request) => readonly string[];
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
    const keysOf = this.options.keysOf ?? (() => []);
    const taken: typeof this.waiting = [];
    const left: typeof this.waiting = [];
    const used = new Set<string>();
    for (const entry of this.waiting) {
      const keys = keysOf(entry.request);
      if (taken.length < this.options.maxBatch && keys.every((key) => !used.has(key))) taken.push(entry);
      else left.push(entry);
      // A request left behind holds its keys too, so none behind it overtakes it on a shared stream.
      for (const key of keys) used.add(key);
    }
    this.waiting.splice(0, this.waiting.length, ...left);
    return taken;
  }
}

/** The outcome of one request of a batch that failed on its own (the others may have succeeded). */
export class CoalescedFailure {
  constructor(readonly error: unknown) {}
}
