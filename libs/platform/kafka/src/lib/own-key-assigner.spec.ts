import { AssignerProtocol, type Cluster, type PartitionMetadata } from 'kafkajs';
import { keysAssigner, ownKeyAssigner, partitionOfKey } from './own-key-assigner';

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

describe('keysAssigner', () => {
  const assignmentOf = async (keysOf: (topic: string) => readonly string[] | undefined, topics: string[]) => {
    const cluster = { findTopicPartitionMetadata: () => partitions(16) } as unknown as Cluster;
    const [member] = await keysAssigner(keysOf)({ cluster, groupId: 'g', logger: undefined as never }).assign({
      members: [{ memberId: 'm1', memberMetadata: Buffer.alloc(0) }],
      topics,
    });
    return AssignerProtocol.MemberAssignment.decode(member!.memberAssignment)!.assignment;
  };

  it("reads, of a keyed topic, only its keys' partitions, and every partition of the others", async () => {
    const assignment = await assignmentOf((t) => (t === 'deliveries' ? ['gateway-a1', '*'] : undefined), ['deliveries', 'sessions']);
    const expected = [...new Set([partitionOfKey('deliveries', partitions(16), 'gateway-a1'), partitionOfKey('deliveries', partitions(16), '*')])].sort((a, b) => a - b);
    expect(assignment['deliveries']).toEqual(expected);
    expect(assignment['sessions']).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('names a partition once when two keys share it', async () => {
    const assignment = await assignmentOf(() => ['same', 'same'], ['deliveries']);
    expect(assignment['deliveries']).toHaveLength(1);
  });
});
