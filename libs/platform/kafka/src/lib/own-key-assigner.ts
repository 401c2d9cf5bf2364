import { AssignerProtocol, Partitioners, type PartitionAssigner, type PartitionMetadata } from 'kafkajs';

/** The partition a keyed message lands on, as the producers pick it (kafkajs' default: Java's murmur2). */
export function partitionOfKey(topic: string, partitions: PartitionMetadata[], key: string): number {
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata: partitions, message: { key, value: null } });
}

/**
 * An assigner for a group that reads one key: each member gets only the partition that key's
 * messages land on. A requester's reply consumer uses it with its own instance id, the key
 * every reply to it carries, so it no longer fetches and drops every other process's replies.
 * (Its group is the process alone; were two members in it, both would read that partition.)
 */
export function ownKeyAssigner(key: string): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'OwnKeyAssigner',
    version: 0,
    async assign({ members, topics }) {
      const assignment = Object.fromEntries(topics.map((topic) => [topic, [partitionOfKey(topic, cluster.findTopicPartitionMetadata(topic), key)]]));
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'OwnKeyAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
