import type { SASLOptions } from 'kafkajs';
import { DEFAULT_PARTITIONS, namespaced, TOPICS, type TopicKey } from '@chat/contracts/bus';

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaOptions {
  brokers: string[];
  /** Prefix of every topic and group (empty in production, unique per test run). */
  namespace: string;
  /** Service name, used in client ids and group names. */
  service: string;
  /** This process's id; replies to its requests are addressed to it. */
  instanceId: string;
  partitions: Record<TopicKey, number>;
  /** Whether this process sends requests (and so listens for replies). */
  replies: boolean;
  /** Consumers' maxWaitTimeInMs: how long the broker holds an empty fetch. */
  fetchWaitMs: number;
  /** Fault injection for tests: how long a delivery router waits before applying a socket connect (0: not at all). */
  routesConnectLagMs?: number;
  /** Whether pushes are routed to the gateways of their recipients (DELIVERY_ROUTING); false: broadcast, read whole. */
  deliveryRouting?: boolean;
  /** SASL credentials of the service's own principal (none on an open broker). */
  sasl?: SASLOptions;
  /** TLS to the brokers (system trust store). */
  ssl: boolean;
}

export const topicName: (namespace: string, topic: string) => string = namespaced;
export const groupName: (namespace: string, group: string) => string = namespaced;

/** `messagingCommands=16,deliveries=8` over the defaults. */
export function parsePartitions(spec: string): Record<TopicKey, number> {
  const out = { ...DEFAULT_PARTITIONS };
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, value] = part.split('=');
    const n = Number(value);
    if (!(key in TOPICS) || !Number.isInteger(n) || n < 1) throw new Error(`KAFKA_PARTITIONS: bad entry "${part}"`);
    out[key as TopicKey] = n;
  }
  return out;
}
