/**
 * A write that neither succeeded nor failed within the batcher's bound. Its
 * outcome is unknown (it may still land), so callers retry it as they retry
 * an outage; the writes that use the batcher are idempotent.
 */
export class WriteTimeoutError extends Error {
  override readonly name = 'WriteTimeoutError';
  constructor(ms: number) {
    super(`the write neither succeeded nor failed within ${ms} ms; its outcome is unknown, so it is retried`);
  }
}

interface Pending<I, O> {
  item: I;
  resolve: (outcome: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for one kind of write. Each caller adds one item and gets its
 * own outcome, but the items added while a write is in flight (or in the same
 * tick) go out together in the next one: one Kafka produce request, one
 * `insertMany` or one `bulkWrite` for many callers. Under load that costs a
 * fraction of one request each; alone, an item waits only for the next turn
 * of the event loop.
 *
 * `write` gets the items in the order they were added and returns one outcome
 * per item, in that order. If it throws, every item of that batch is rejected
 * with the error (callers retry; the writes that use this are idempotent).
 */
export class WriteBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  private inFlight = false;

  /**
   * @param maxBatch the most items one write takes
   * @param isolate  whether a failed batch's error may be one item's fault (a message over the
   *   broker's size limit, a document the database refuses): then each item of that batch is
   *   written again alone, so one caller's failure never fails another's. Not for errors that
   *   fail every write alike (the database or broker away): those reject the batch at once.
   * @param timeoutMs how long one write may take before its batch is failed with a
   *   WriteTimeoutError and the next one goes out. The clients below bound their own
   *   requests; this bound is for the case where one does not, so that a write that never
   *   settles cannot hold up every later caller of the process for good.
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 256,
    private readonly isolate: (err: unknown) => boolean = () => false,
    private readonly timeoutMs = 60_000,
  ) {}

  /** Nothing queued and nothing in flight (a producer may close). */
  get idle(): boolean {
    return this.queue.length === 0 && !this.inFlight;
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = true;
    try {
      const outcomes = await this.bounded(this.write(batch.map((p) => p.item)));
      if (outcomes.length !== batch.length) throw new Error(`write returned ${outcomes.length} outcomes for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (err) {
      if (batch.length > 1 && this.isolate(err)) await this.alone(batch);
      else for (const p of batch) p.reject(err);
    } finally {
      this.inFlight = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async bounded(write: Promise<O[]>): Promise<O[]> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        write,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new WriteTimeoutError(this.timeoutMs)), this.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      // A write that settles after its bound has nobody waiting; its failure must not go unhandled.
      write.catch(() => undefined);
    }
  }

  /** Writes each item of a failed batch by itself, so only the items at fault fail. */
  private async alone(batch: Pending<I, O>[]): Promise<void> {
    for (const p of batch) {
      try {
        const [outcome] = await this.bounded(this.write([p.item]));
        p.resolve(outcome!);
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
