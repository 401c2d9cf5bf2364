import { type DynamicModule, Module, type Type } from '@nestjs/common';
import type { z } from 'zod';
import { configModule } from '@chat/platform-config';
import { KafkaHealth, KafkaModule } from '@chat/platform-kafka';
import { MongoHealth, MongoModule } from '@chat/platform-mongo';
import { HealthModule, loggingModule, MetricsModule, type DependencyCheck } from '@chat/platform-observability';

export interface PlatformOptions {
  /** The service's name: in logs, Kafka client ids and consumer groups. */
  name: string;
  /** The service's environment schema (BaseEnvSchema extended), validated before anything starts. */
  env: z.ZodObject;
  /** Whether the service sends requests and so listens for replies. */
  replies?: boolean;
  /** Whether the service owns a database (readiness then also waits for it). */
  mongo?: boolean;
  /** More dependencies readiness waits for (media: its object store); each a provider of a global module. */
  checks?: Type<DependencyCheck>[];
}

/**
 * What every service stands on, in one import: validated configuration,
 * pino logging, Prometheus metrics, the Kafka bus, its database if it has
 * one, and readiness and liveness through terminus over those dependencies.
 */
@Module({})
export class PlatformModule {
  static forService(opts: PlatformOptions): DynamicModule {
    const mongo = opts.mongo ?? false;
    return {
      module: PlatformModule,
      imports: [
        configModule(opts.env),
        loggingModule(opts.name),
        MetricsModule.forRoot(),
        ...(mongo ? [MongoModule.forRoot()] : []),
        KafkaModule.forService({ service: opts.name, replies: opts.replies ?? false }),
        HealthModule.forRoot([KafkaHealth, ...(mongo ? [MongoHealth] : []), ...(opts.checks ?? [])]),
      ],
    };
  }
}
