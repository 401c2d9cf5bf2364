import { AssignerProtocol, type Cluster, type PartitionMetadata } from 'kafkajs';
import { ownKeyAssigner, partitionOfKey } from './own-key-assigner';

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));

describe('ownKeyAssigner', () => {
  it("gives the member only the partition its key's messages land on", async () => {
    const cluster = { findTopicPartitionMetadata: () => partitions(4) } as unknown as Cluster;
    const keys = ['gw-a1b2', 'gw-c3d4', 'auth-e5f6', 'gw-0000', 'users-77'];
    const seen = new Set<number>();
    for (const key of keys) {
      const assigner = ownKeyAssigner(key)({ cluster, groupId: 'g', logger: undefined as never });
      const [member] = await assigner.assign({ members: [{ memberId: 'm1', memberMetadata: Buffer.alloc(0) }], topics: ['replies'] });
      const decoded = AssignerProtocol.MemberAssignment.decode(member!.memberAssignment)!;
      const expected = partitionOfKey('replies', partitions(4), key);
      expect(decoded.assignment).toEqual({ replies: [expected] });
      seen.add(expected);
    }
    // Not one partition for everyone: the keys spread.
    expect(seen.size).toBeGreaterThan(1);
  });

  // That it is the partition the producer writes to is proven end to end: every request of
  // every integration test waits for its reply on it.
  it('spreads instances over the partitions', () => {
    const spread = new Set(Array.from({ length: 64 }, (_, i) => partitionOfKey('t', partitions(8), `instance-${i}`)));
    expect(spread.size).toBe(8);
  });
});
