import { Logger as NestLogger, type INestApplication, type Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { KafkaBus, KafkaTransport, type KafkaTransportOptions } from '@chat/platform-kafka';
import { Metrics } from '@chat/platform-observability';
import { envMs, startupLine, startupStep, untilKafkaAccepts } from './startup';

export interface ServiceBootOptions {
  /** Consumer group of the service's handlers; gateways pass one of their own per replica. */
  groupId: string;
  concurrency?: number;
  /** Keys handled at once within a partition (see KafkaTransportOptions). */
  keyConcurrency?: number;
  /** Where a new consumer group starts: gateways only care about what comes after they start. */
  fromBeginning?: boolean;
  /** A group of this process alone: the partitions it reads, and whether its replies too (see KafkaTransportOptions). */
  soleMember?: KafkaTransportOptions['soleMember'];
  /** Messages skipped by topic and key before they are parsed (see KafkaTransportOptions). */
  skip?: (topic: string, key: string | null) => boolean;
  /** Extra HTTP set-up (the gateway's prefix, security headers, sockets). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Start-up bounds, from the environment (read before any configuration exists):
 * STARTUP_STEP_TIMEOUT_MS (default 120 s) for each step — creating the application (the database
 * connection), the transport's consumer, HTTP and the modules' init hooks (media's bucket) — and
 * KAFKA_CONNECT_WAIT_MS (default 240 s) for the Kafka connection, which waits while the broker
 * is not reachable yet or refuses the service's principal. Both under the chart's 300 s startup probe, so a dependency
 * that never answers ends in a clear error and a restart rather than a silent kill.
 */
export function startupBounds(env: NodeJS.ProcessEnv = process.env): { stepMs: number; kafkaWaitMs: number } {
  return { stepMs: envMs('STARTUP_STEP_TIMEOUT_MS', 120_000, env), kafkaWaitMs: envMs('KAFKA_CONNECT_WAIT_MS', 240_000, env) };
}

/**
 * Starts a service the same way everywhere: pino logger, HTTP for health and
 * metrics, the Kafka transport for its handlers, graceful shutdown on SIGTERM
 * and SIGINT (the consumer commits what it finished and leaves its group).
 * Every start-up step is logged, reports progress while it waits, and is bounded: a step that
 * fails or takes too long ends the process with the step's name (exit 1).
 */
export async function bootstrapService(module: Type, opts: ServiceBootOptions | ((app: INestApplication) => ServiceBootOptions)): Promise<INestApplication | undefined> {
  const { stepMs, kafkaWaitMs } = startupBounds();
  let log: (level: 'info' | 'warn' | 'error', msg: string) => void = (level, msg) => startupLine(level, msg);
  const still = (what: string) => (ms: number) => log('warn', `still ${what} after ${Math.round(ms / 1000)} s`);
  try {
    log('info', `starting: creating the application (configuration, database connection, Kafka client; at most ${stepMs / 1000} s)`);
    const app = await startupStep('create the application (module initialisation)', () => NestFactory.create(module, { bufferLogs: true }), {
      timeoutMs: stepMs,
      progress: (ms) => {
        // What the modules logged so far is held back until the pino logger exists: show it now
        // (later lines go straight out), so a step that hangs says where.
        NestLogger.flush();
        still('creating the application (module initialisation)')(ms);
      },
    });
    const logger = app.get(Logger);
    app.useLogger(logger);
    log = (level, msg) => (level === 'info' ? logger.log(msg, 'Startup') : level === 'warn' ? logger.warn(msg, 'Startup') : logger.error(msg, 'Startup'));
    app.enableShutdownHooks();
    if (typeof opts === 'function') opts = opts(app);
    await opts.configure?.(app);
    const bus = app.get(KafkaBus);
    const metrics = app.get(Metrics);
    bus.hop = metrics.observeHop;
    app.connectMicroservice(
      { strategy: new KafkaTransport(bus, { groupId: opts.groupId, concurrency: opts.concurrency, keyConcurrency: opts.keyConcurrency, fromBeginning: opts.fromBeginning, soleMember: opts.soleMember, skip: opts.skip, observe: metrics.observe, lag: metrics.observeLag, hop: metrics.observeHop }) },
      { inheritAppConfig: false },
    );
    await startupStep('connect to Kafka', () => untilKafkaAccepts(() => bus.connect(), { waitMs: kafkaWaitMs, say: (msg) => log('warn', msg) }), {
      timeoutMs: kafkaWaitMs + 30_000,
      progress: still('connecting to Kafka (topics, producer, reply consumer)'),
    });
    await startupStep('start the Kafka consumer', () => app.startAllMicroservices(), { timeoutMs: stepMs, progress: still('starting the Kafka consumer') });
    const config = app.get(ConfigService);
    // The HTTP port for health and metrics is the service's PORT, defaulted in its environment schema.
    // listen() also runs the modules' init hooks (media checks its bucket, presence loads its state).
    await startupStep('init hooks and HTTP listen', () => app.listen(config.getOrThrow<number>('PORT'), config.get<string>('HOST') ?? '127.0.0.1'), {
      timeoutMs: stepMs,
      progress: still('running init hooks and opening HTTP'),
    });
    logger.log(`listening on ${await app.getUrl()}`);
    return app;
  } catch (err) {
    NestLogger.flush();
    log('error', `start-up failed: ${(err as Error)?.stack ?? String(err)}`);
    // Let the line out, then stop: the orchestrator restarts the process.
    setTimeout(() => process.exit(1), 200);
    return undefined;
  }
}
