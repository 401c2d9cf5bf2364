/**
 * kafkajs 2.2.4, its last release, ignores `autoCommitInterval` after every batch that had
 * messages: `Runner.autoCommitOffsets` calls `commitOffsets()`, not `commitOffsetsIfNecessary()`,
 * so each fetch that brought a message is followed by an OffsetCommit round trip, and the next
 * fetch waits for it. A message that arrives meanwhile waits for the commit and a fetch: on this
 * machine one hop (an idempotent produce, then a group member has it) took p50 7.6 ms instead
 * of 2.2 ms (`bench/probes/kafka-clients.mjs`, docs/performance.md).
 *
 * The fix, for consumers run with an `autoCommitInterval` (ours: the transport's 500 ms, the
 * reply listener's): commit after a batch only when the interval has passed, and commit what
 * is left over once the interval after a batch has passed, so a topic that goes quiet does not
 * keep handled offsets uncommitted; before the member leaves or re-joins its group (shutdown,
 * a rebalance), commit what it resolved, so the next owner does not get it again. A consumer
 * without an interval keeps kafkajs' behaviour (a commit after every batch).
 */

/** The fields of kafkajs' ConsumerGroup this reads (kafkajs/src/consumer/consumerGroup.js). */
export interface ConsumerGroupFields {
  memberId: string | null;
  autoCommit: boolean;
  autoCommitInterval: number | null;
  offsetManager?: { commitOffsets(): Promise<void> };
  commitOffsets(): Promise<void>;
  commitOffsetsIfNecessary(): Promise<void>;
  leave(): Promise<void>;
  joinAndSync(): Promise<unknown>;
}

/** The fields of kafkajs' Runner this reads (kafkajs/src/consumer/runner.js). */
export interface RunnerFields {
  running: boolean;
  autoCommit: boolean;
  consumerGroup: ConsumerGroupFields;
  autoCommitOffsets(): Promise<void> | undefined;
  [QUIET_COMMIT]?: NodeJS.Timeout;
}

const QUIET_COMMIT = Symbol('quietCommit');
/** How long a commit before leaving or re-joining may hold that up (the broker may be away). */
export const COMMIT_BEFORE_REJOIN_MS = 2000;

export function autoCommitOffsets(this: RunnerFields): Promise<void> | undefined {
  if (!this.autoCommit) return undefined;
  const group = this.consumerGroup;
  if (group.autoCommitInterval == null) return group.commitOffsets();
  if (!this[QUIET_COMMIT]) {
    this[QUIET_COMMIT] = setTimeout(() => {
      this[QUIET_COMMIT] = undefined;
      // Commits only offsets that moved; a failure (a rebalance, the broker away) is left to the next batch.
      if (this.running) group.commitOffsets().catch(() => undefined);
    }, group.autoCommitInterval);
    this[QUIET_COMMIT].unref();
  }
  return group.commitOffsetsIfNecessary();
}

/** Commits what the member resolved, bounded in time; never throws. */
async function commitResolved(group: ConsumerGroupFields): Promise<void> {
  if (!group.autoCommit || group.autoCommitInterval == null || !group.memberId || !group.offsetManager) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    group.offsetManager.commitOffsets().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, COMMIT_BEFORE_REJOIN_MS);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

let applied = false;

/** Replaces the methods on kafkajs' Runner and ConsumerGroup (once); returns the classes. */
export function fixKafkajsAutoCommit(): { Runner: { prototype: RunnerFields }; ConsumerGroup: { prototype: ConsumerGroupFields } } {
  // Internal paths, pinned by the lockfile (kafkajs 2.2.4); the spec fails if they move.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Runner = require('kafkajs/src/consumer/runner.js') as { prototype: RunnerFields };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: ConsumerGroupFields };
  if (!applied) {
    applied = true;
    Runner.prototype.autoCommitOffsets = autoCommitOffsets;
    const { leave, joinAndSync } = ConsumerGroup.prototype;
    ConsumerGroup.prototype.leave = async function (this: ConsumerGroupFields) {
      await commitResolved(this);
      return leave.call(this);
    };
    ConsumerGroup.prototype.joinAndSync = async function (this: ConsumerGroupFields) {
      await commitResolved(this);
      return joinAndSync.call(this);
    };
  }
  return { Runner, ConsumerGroup };
}
