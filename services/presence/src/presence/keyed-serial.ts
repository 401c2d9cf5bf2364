/**
 * Runs tasks one at a time per key (and concurrently across keys). Kafka keeps
 * one partition's messages in order, but a user's presence also moves on lease
 * checks and timers, which must not interleave with that user's events.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task queued or running (tests, metrics). */
  get size(): number {
    return this.tails.size;
  }
}
