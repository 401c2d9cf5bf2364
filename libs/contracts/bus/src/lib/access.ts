import { TOPICS, type TopicKey } from './kafka';

/** The platform's services: each has its own Kafka principal. */
export const SERVICE_NAMES = ['auth', 'users', 'messaging', 'presence', 'media', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface TopicAccess {
  /** Topics the service writes: its events, its answers, its requests to others. */
  readonly produce: readonly TopicKey[];
  /** Topics the service reads. */
  readonly consume: readonly TopicKey[];
}

/**
 * Which service may write and read which topic. This is the whole of what a
 * service's Kafka principal is granted (helm/files/kafka-access.json is its
 * copy for the chart's ACLs, checked equal by a spec), and KafkaBus refuses a
 * produce or subscribe outside it, so a gap shows in every test, not only on
 * a broker that enforces ACLs.
 *
 * Every service answers commands on `replies` and may dead-letter what it
 * cannot read. Only auth writes session events (a `session.revoked` ends a
 * login), only users writes the facts about users, contacts and conversations,
 * and only the gateway writes what sockets do.
 */
export const TOPIC_ACCESS: Readonly<Record<ServiceName, TopicAccess>> = {
  auth: {
    produce: ['replies', 'deadLetters', 'sessionEvents', 'usersCommands'],
    consume: ['authCommands', 'replies', 'userEvents'],
  },
  users: {
    produce: ['replies', 'deadLetters', 'userEvents', 'conversationEvents', 'contactEvents'],
    consume: ['usersCommands'],
  },
  messaging: {
    produce: ['replies', 'deadLetters', 'deliveries', 'messagingCommands', 'mediaCommands', 'presenceCommands'],
    consume: ['messagingCommands', 'conversationEvents', 'contactEvents', 'userEvents', 'replies', 'gatewayEvents'],
  },
  presence: {
    produce: ['replies', 'deadLetters', 'deliveries', 'gatewayEvents'],
    consume: ['presenceCommands', 'gatewayEvents', 'conversationEvents', 'contactEvents', 'typing', 'userEvents'],
  },
  /** Only messaging claims uploads and releases their bytes; media learns of avatars from users' `user.updated`. */
  media: {
    produce: ['replies', 'deadLetters'],
    consume: ['mediaCommands', 'userEvents'],
  },
  gateway: {
    produce: ['deadLetters', 'authCommands', 'usersCommands', 'messagingCommands', 'presenceCommands', 'gatewayEvents', 'typing'],
    consume: ['replies', 'deliveries', 'sessionEvents'],
  },
};

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** A topic's or group's name with the deployment's namespace in front (empty in production). */
export function namespaced(namespace: string, name: string): string {
  return namespace ? `${namespace}.${name}` : name;
}

export type AclOperation = 'read' | 'write' | 'describe' | 'create';
export interface AclBinding {
  resource: 'topic' | 'group';
  pattern: 'literal' | 'prefixed';
  name: string;
  operation: AclOperation;
}

/**
 * What a service's principal is allowed, as ACL bindings: write on what it
 * produces, read on what it consumes, describe and create on the platform's
 * topics (it creates missing ones at start, with their partition counts), and
 * read on the consumer groups named after it (`<service>`, `<service>-<id>`,
 * `<service>.replies-<id>`).
 */
export function serviceAcls(service: ServiceName, namespace = ''): AclBinding[] {
  const access = TOPIC_ACCESS[service];
  const topic = (key: TopicKey) => namespaced(namespace, TOPICS[key]);
  const platformTopics = namespaced(namespace, 'chat.');
  return [
    ...access.produce.map((key): AclBinding => ({ resource: 'topic', pattern: 'literal', name: topic(key), operation: 'write' })),
    ...access.consume.map((key): AclBinding => ({ resource: 'topic', pattern: 'literal', name: topic(key), operation: 'read' })),
    { resource: 'topic', pattern: 'prefixed', name: platformTopics, operation: 'describe' },
    { resource: 'topic', pattern: 'prefixed', name: platformTopics, operation: 'create' },
    { resource: 'group', pattern: 'prefixed', name: namespaced(namespace, service), operation: 'read' },
  ];
}
