import { WriteBatcher, WriteTimeoutError } from './write-batcher';

describe('WriteBatcher', () => {
  it('sends the items added while a write is in flight together, in order, and gives each caller its own outcome', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new WriteBatcher<number, string>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await gate;
      return items.map((n) => `done ${n}`);
    });
    const first = batcher.add(1);
    await new Promise((r) => setImmediate(r)); // the first write is now in flight
    const rest = [2, 3, 4].map((n) => batcher.add(n));
    release();
    expect(await first).toBe('done 1');
    expect(await Promise.all(rest)).toEqual(['done 2', 'done 3', 'done 4']);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every item of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const batcher = new WriteBatcher<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('database away');
      return items.map((n) => n * 10);
    });
    const failed = [batcher.add(1), batcher.add(2)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
    expect(await Promise.all(failed)).toEqual(['database away', 'database away']);
    expect(await batcher.add(3)).toBe(30);
  });

  it('fails a write that never settles after its bound, and the next batch goes out', async () => {
    const writes: number[][] = [];
    const batcher = new WriteBatcher<number, number>(
      (items) => {
        writes.push(items);
        // The first write hangs for good (a client that lost its request); the others answer.
        return writes.length === 1 ? new Promise<number[]>(() => undefined) : Promise.resolve(items.map((n) => n + 100));
      },
      256,
      () => false,
      50,
    );
    const stuck = batcher.add(1).then(() => 'ok', (e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    const next = batcher.add(2);
    expect(await stuck).toBeInstanceOf(WriteTimeoutError);
    expect(await next).toBe(102);
    expect(writes).toEqual([[1], [2]]);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new WriteBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 4);
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.add(i)));
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects rather than mismatching outcomes when the write answers for the wrong number of items', async () => {
    const batcher = new WriteBatcher<number, number>(async () => [1]);
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it("finding 5: when a batch fails through one item, only that item's caller fails", async () => {
    const writes: number[][] = [];
    const batcher = new WriteBatcher<number, number>(
      async (items) => {
        writes.push(items);
        if (items.includes(13)) throw new Error('message too large');
        return items.map((n) => n * 10);
      },
      256,
      (err) => (err as Error).message === 'message too large',
    );
    const outcomes = await Promise.all([1, 13, 3].map((n) => batcher.add(n).then((v) => v, (e: Error) => e.message)));
    expect(outcomes).toEqual([10, 'message too large', 30]);
    expect(writes).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it('an error that fails every write alike rejects the whole batch at once, without writing each item again', async () => {
    let calls = 0;
    const batcher = new WriteBatcher<number, number>(
      async () => {
        calls++;
        throw new Error('broker away');
      },
      256,
      (err) => (err as Error).message !== 'broker away',
    );
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});
