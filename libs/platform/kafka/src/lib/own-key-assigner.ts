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
  return keysAssigner(() => [key]);
}

/**
 * An assigner for a group of one member that reads, of each topic, the partitions the given
 * keys land on; a topic for which `keysOf` answers undefined is read whole. A gateway reads
 * the deliveries keyed by its own id and by the broadcast key this way, and every partition
 * of the session events.
 */
export function keysAssigner(keysOf: (topic: string) => readonly string[] | undefined): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'OwnKeyAssigner',
    version: 0,
    async assign({ members, topics }) {
      const assignment = Object.fromEntries(
        topics.map((topic) => {
          const partitions = cluster.findTopicPartitionMetadata(topic);
          const keys = keysOf(topic);
          if (!keys) return [topic, partitions.map((p) => p.partitionId)];
          return [topic, [...new Set(keys.map((key) => partitionOfKey(topic, partitions, key)))].sort((a, b) => a - b)];
        }),
      );
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
