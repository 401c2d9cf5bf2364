import type { INestApplication, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { KafkaBus, KafkaTransport } from '@chat/platform-kafka';
import { Metrics } from '@chat/platform-observability';

export interface ServiceBootOptions {
  /** Consumer group of the service's handlers; gateways pass one of their own per replica. */
  groupId: string;
  concurrency?: number;
  /** Keys handled at once within a partition (see KafkaTransportOptions). */
  keyConcurrency?: number;
  /** Where a new consumer group starts: gateways only care about what comes after they start. */
  fromBeginning?: boolean;
  /** Extra HTTP set-up (the gateway's prefix, security headers, sockets). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Starts a service the same way everywhere: pino logger, HTTP for health and
 * metrics, the Kafka transport for its handlers, graceful shutdown on SIGTERM
 * and SIGINT (the consumer commits what it finished and leaves its group).
 */
export async function bootstrapService(module: Type, opts: ServiceBootOptions | ((app: INestApplication) => ServiceBootOptions)): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  if (typeof opts === 'function') opts = opts(app);
  await opts.configure?.(app);
  const bus = app.get(KafkaBus);
  const metrics = app.get(Metrics);
  app.connectMicroservice(
    { strategy: new KafkaTransport(bus, { groupId: opts.groupId, concurrency: opts.concurrency, keyConcurrency: opts.keyConcurrency, fromBeginning: opts.fromBeginning, observe: metrics.observe, lag: metrics.observeLag }) },
    { inheritAppConfig: false },
  );
  await bus.connect();
  await app.startAllMicroservices();
  const config = app.get(ConfigService);
  // The HTTP port for health and metrics is the service's PORT, defaulted in its environment schema.
  await app.listen(config.getOrThrow<number>('PORT'), config.get<string>('HOST') ?? '127.0.0.1');
  app.get(Logger).log(`listening on ${await app.getUrl()}`);
  return app;
}
