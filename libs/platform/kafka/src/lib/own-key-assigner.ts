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

/** Which half of the replies topic a requester's replies land on: gateways ask for every socket request, the services seldom. */
export type ReplyLane = 'gateways' | 'services';

/**
 * The key replies to this process carry: its instance id, or the instance id with the
 * smallest `.<n>` suffix, whose partition lies in the process's lane. Gateways take the lower
 * half of the partitions, every other service the upper half, so no service's reply consumer
 * fetches and drops a gateway's stream of replies (in one bench run auth spent 0.36 ms of CPU per
 * chat message doing that, having hashed onto the gateway's partition). The key is all a
 * replier needs: it writes the reply keyed by the request's `replyTo`, whatever its version.
 * A topic of one partition has no lanes.
 */
export function replyKey(topic: string, partitions: PartitionMetadata[], instanceId: string, lane: ReplyLane): string {
  const n = partitions.length;
  if (n < 2) return instanceId;
  const split = Math.ceil(n / 2);
  const inLane = (p: number) => (lane === 'gateways' ? p < split : p >= split);
  for (let i = 0; ; i++) {
    const key = i === 0 ? instanceId : `${instanceId}.${i}`;
    if (inLane(partitionOfKey(topic, partitions, key))) return key;
  }
}

/**
 * The assigner of a requester's reply consumer (a group of one member): it picks the process's
 * reply key for the topic's partition count (replyKey), tells it to `onKey`, and assigns the
 * partition that key lands on.
 */
export function replyAssigner(instanceId: string, lane: ReplyLane, onKey: (key: string) => void): PartitionAssigner {
  return keysAssigner((topic, partitions) => {
    const key = replyKey(topic, partitions, instanceId, lane);
    onKey(key);
    return [key];
  });
}

/**
 * An assigner for a group of one member that reads, of each topic, the partitions the given
 * keys land on; a topic for which `keysOf` answers undefined is read whole. A gateway reads
 * the deliveries keyed by its own id and by the broadcast key this way, and every partition
 * of the session events.
 */
export function keysAssigner(keysOf: (topic: string, partitions: PartitionMetadata[]) => readonly string[] | undefined): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'OwnKeyAssigner',
    version: 0,
    async assign({ members, topics }) {
      const assignment = Object.fromEntries(
        topics.map((topic) => {
          const partitions = cluster.findTopicPartitionMetadata(topic);
          const keys = keysOf(topic, partitions);
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
