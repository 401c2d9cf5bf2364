import { ConfigModule } from '@nestjs/config';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((v) => v === 'true' || v === '1' || v === 'on');

/** What every service reads from its environment. Defaults serve the local platform. */
export const BaseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable logs instead of JSON lines (local development only). */
  LOG_PRETTY: bool.default(false),
  HOST: z.string().default('127.0.0.1'),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  /** Prefix for every topic and consumer group: isolates test runs and tenants on one broker. */
  KAFKA_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]*$/)
    .default(''),
  /** Partition counts per topic key, e.g. `messagingCommands=16,deliveries=8`. */
  KAFKA_PARTITIONS: z.string().default(''),
  /**
   * How long the broker holds a fetch that found nothing. Data that arrives
   * meanwhile answers it at once, so this costs no latency; it is what an idle
   * consumer costs (a fetch per wait per consumer).
   */
  KAFKA_FETCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(1000),
  /**
   * Fault injection for tests (0 otherwise): the delivery routers of messaging and presence
   * apply each socket connect this long after reading it, as a router behind on the gateways'
   * events would, so that the catch-up of a new socket is what delivers to it.
   */
  ROUTES_CONNECT_LAG_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  /**
   * `on`: messaging and presence route each push to the gateways that hold its recipients'
   * sockets, and each gateway reads only its own. `off`: every push goes to every gateway, and
   * gateways read every partition and push whatever its key (how it was before routing; the
   * setting for a rolling upgrade from such a version, and the bench's comparison).
   */
  DELIVERY_ROUTING: z.enum(['on', 'off']).default('on'),
  /**
   * The service's own Kafka principal: SASL mechanism and credentials (the chart
   * gives each service its own, with ACLs on its topics). Empty: an open broker.
   */
  KAFKA_SASL_MECHANISM: z.enum(['', 'plain', 'scram-sha-256', 'scram-sha-512']).default(''),
  KAFKA_USERNAME: z.string().default(''),
  KAFKA_PASSWORD: z.string().default(''),
  /** TLS to the brokers, trusting the system's certificate authorities. */
  KAFKA_TLS: bool.default(false),
  MONGO_URL: z.string().min(1).default('mongodb://127.0.0.1:27017/'),
  MONGO_DB: z.string().regex(/^[A-Za-z0-9_-]+$/).default('chat'),
  /** A stable id per process; defaults to host name and pid. */
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  /** `off` turns every rate limit off (load tests). */
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
});
export type BaseEnv = z.infer<typeof BaseEnvSchema>;

/**
 * Validates the environment against a schema and stops the process with a
 * message naming each bad variable. Runs before anything else starts.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** @nestjs/config wired to a zod schema: validated at start-up, global, no .env file. */
export function configModule<S extends z.ZodObject>(schema: S) {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    cache: true,
    validate: (env) => loadEnv(schema, env as NodeJS.ProcessEnv),
  });
}

export function instanceId(env: BaseEnv, service: string): string {
  return env.INSTANCE_ID ?? `${service}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
