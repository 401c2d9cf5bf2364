import { COMMIT_BEFORE_REJOIN_MS, fixKafkajsAutoCommit, type ConsumerGroupFields, type RunnerFields } from './auto-commit-fix';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Runner = require('kafkajs/src/consumer/runner.js') as { prototype: RunnerFields };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: ConsumerGroupFields };
const released = { autoCommitOffsets: Runner.prototype.autoCommitOffsets, leave: ConsumerGroup.prototype.leave, joinAndSync: ConsumerGroup.prototype.joinAndSync };

/** A consumer group as kafkajs' methods see it, recording what they call in order. */
function group(autoCommitInterval: number | null, calls: string[], commit: () => Promise<void> = async () => undefined) {
  const offsetManager = {
    commitOffsets: jest.fn(async () => {
      calls.push('commit');
      await commit();
    }),
  };
  return {
    memberId: 'member-1',
    autoCommit: true,
    autoCommitInterval,
    offsetManager,
    commitOffsets: jest.fn(async () => void calls.push('commit')),
    commitOffsetsIfNecessary: jest.fn(async () => void calls.push('commit-if-necessary')),
    // what the released leave() and joinAndSync() reach for
    groupId: 'g',
    coordinator: { leaveGroup: jest.fn(async () => void calls.push('leave-group')) },
    retrier: jest.fn(async () => void calls.push('join')),
  };
}

function runner(g: ReturnType<typeof group>): RunnerFields {
  return Object.assign(Object.create(Runner.prototype), { running: true, autoCommit: true, consumerGroup: g }) as RunnerFields;
}

describe("kafkajs' auto-commit after a batch", () => {
  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  it('as released, commits after every batch even with an interval', async () => {
    const calls: string[] = [];
    const g = group(500, calls);
    await released.autoCommitOffsets.call(runner(g));
    await released.autoCommitOffsets.call(runner(g));
    // The round trip the fix removes: the next fetch waits for it.
    expect(g.commitOffsets).toHaveBeenCalledTimes(2);
  });

  describe('fixed', () => {
    beforeAll(() => fixKafkajsAutoCommit());

    it('replaces the methods kafkajs calls', () => {
      expect(Runner.prototype.autoCommitOffsets).not.toBe(released.autoCommitOffsets);
      expect(ConsumerGroup.prototype.leave).not.toBe(released.leave);
      expect(ConsumerGroup.prototype.joinAndSync).not.toBe(released.joinAndSync);
    });

    it('commits after a batch only when the interval asks, and what is left once the interval has passed', async () => {
      jest.useFakeTimers();
      const calls: string[] = [];
      const g = group(500, calls);
      const r = runner(g);
      await r.autoCommitOffsets();
      await r.autoCommitOffsets();
      expect(g.commitOffsets).not.toHaveBeenCalled();
      expect(g.commitOffsetsIfNecessary).toHaveBeenCalledTimes(2);
      jest.advanceTimersByTime(499);
      expect(g.commitOffsets).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      // One flush for both batches: a topic that goes quiet is committed all the same.
      expect(g.commitOffsets).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(5000);
      expect(g.commitOffsets).toHaveBeenCalledTimes(1);
    });

    it('does not flush for a runner that stopped', () => {
      jest.useFakeTimers();
      const g = group(500, []);
      const r = runner(g);
      void r.autoCommitOffsets();
      r.running = false;
      jest.advanceTimersByTime(1000);
      expect(g.commitOffsets).not.toHaveBeenCalled();
    });

    it('keeps the commit after every batch for a consumer without an interval', async () => {
      const g = group(null, []);
      const r = runner(g);
      await r.autoCommitOffsets();
      await r.autoCommitOffsets();
      expect(g.commitOffsets).toHaveBeenCalledTimes(2);
      expect(g.commitOffsetsIfNecessary).not.toHaveBeenCalled();
    });

    it('commits what was resolved before leaving the group', async () => {
      const calls: string[] = [];
      await ConsumerGroup.prototype.leave.call(group(500, calls));
      expect(calls).toEqual(['commit', 'leave-group']);
    });

    it('commits what was resolved before re-joining the group', async () => {
      const calls: string[] = [];
      await ConsumerGroup.prototype.joinAndSync.call(group(500, calls));
      expect(calls).toEqual(['commit', 'join']);
    });

    it('does not commit before the first join (no member yet) or without an interval', async () => {
      const calls: string[] = [];
      await ConsumerGroup.prototype.joinAndSync.call({ ...group(500, calls), memberId: null });
      await ConsumerGroup.prototype.joinAndSync.call(group(null, calls));
      expect(calls).toEqual(['join', 'join']);
    });

    it('re-joins after a bounded wait when the commit does not come back (the broker is away)', async () => {
      jest.useFakeTimers();
      const calls: string[] = [];
      const g = group(500, calls, () => new Promise<void>(() => undefined));
      const joined = ConsumerGroup.prototype.joinAndSync.call(g);
      await jest.advanceTimersByTimeAsync(COMMIT_BEFORE_REJOIN_MS - 1);
      expect(calls).toEqual(['commit']);
      await jest.advanceTimersByTimeAsync(1);
      await joined;
      expect(calls).toEqual(['commit', 'join']);
    });

    it('re-joins when the commit fails', async () => {
      const calls: string[] = [];
      const g = group(500, calls, async () => {
        throw new Error('REBALANCE_IN_PROGRESS');
      });
      await expect(ConsumerGroup.prototype.joinAndSync.call(g)).resolves.toBeUndefined();
      expect(calls).toEqual(['commit', 'join']);
    });
  });
});
