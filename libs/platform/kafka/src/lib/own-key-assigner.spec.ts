import { AssignerProtocol, type Cluster, type PartitionMetadata } from 'kafkajs';
import { keysAssigner, ownKeyAssigner, partitionOfKey, replyAssigner, replyKey } from './own-key-assigner';

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

describe('replyKey', () => {
  it("puts every gateway's replies on the lower half of the partitions and every other service's on the upper", () => {
    for (const n of [2, 4, 8, 16]) {
      const split = Math.ceil(n / 2);
      for (let i = 0; i < 40; i++) {
        const gw = replyKey('replies', partitions(n), `gateway-${i}-x`, 'gateways');
        const svc = replyKey('replies', partitions(n), `auth-${i}-y`, 'services');
        expect(partitionOfKey('replies', partitions(n), gw)).toBeLessThan(split);
        expect(partitionOfKey('replies', partitions(n), svc)).toBeGreaterThanOrEqual(split);
        // The instance id itself when it already lands in the lane, else with the first suffix that does.
        expect(gw === `gateway-${i}-x` || gw.startsWith(`gateway-${i}-x.`)).toBe(true);
      }
    }
  });

  it('keeps the instance id on a topic of one partition', () => {
    expect(replyKey('replies', partitions(1), 'auth-1', 'services')).toBe('auth-1');
  });

  it('assigns the partition of the key it tells the bus', async () => {
    const cluster = { findTopicPartitionMetadata: () => partitions(8) } as unknown as Cluster;
    let told = '';
    const assigner = replyAssigner('users-42-abc', 'services', (key) => (told = key))({ cluster, groupId: 'g', logger: undefined as never });
    const [member] = await assigner.assign({ members: [{ memberId: 'm1', memberMetadata: Buffer.alloc(0) }], topics: ['replies'] });
    const decoded = AssignerProtocol.MemberAssignment.decode(member!.memberAssignment)!;
    expect(told).toBe(replyKey('replies', partitions(8), 'users-42-abc', 'services'));
    expect(decoded.assignment).toEqual({ replies: [partitionOfKey('replies', partitions(8), told)] });
    expect(decoded.assignment['replies']![0]).toBeGreaterThanOrEqual(4);
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
