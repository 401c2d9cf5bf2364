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
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 256,
    private readonly isolate: (err: unknown) => boolean = () => false,
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
      const outcomes = await this.write(batch.map((p) => p.item));
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

  /** Writes each item of a failed batch by itself, so only the items at fault fail. */
  private async alone(batch: Pending<I, O>[]): Promise<void> {
    for (const p of batch) {
      try {
        const [outcome] = await this.write([p.item]);
        p.resolve(outcome!);
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
