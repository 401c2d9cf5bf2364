import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { instanceId, type BaseEnv } from '@chat/platform-config';
import { KafkaBus, KafkaHealth } from './kafka-bus';
import { KAFKA_OPTIONS, parsePartitions, type KafkaOptions } from './options';

export interface KafkaModuleOptions {
  service: string;
  /** Whether this service sends requests and waits for replies. */
  replies?: boolean;
}

@Global()
@Module({})
export class KafkaModule {
  static forService(opts: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        {
          provide: KAFKA_OPTIONS,
          inject: [ConfigService],
          useFactory: (config: ConfigService<BaseEnv, true>): KafkaOptions => ({
            brokers: config.get('KAFKA_BROKERS', { infer: true }).split(',').map((b: string) => b.trim()),
            namespace: config.get('KAFKA_NAMESPACE', { infer: true }),
            partitions: parsePartitions(config.get('KAFKA_PARTITIONS', { infer: true })),
            service: opts.service,
            instanceId: instanceId(
              { INSTANCE_ID: config.get('INSTANCE_ID', { infer: true }) } as BaseEnv,
              opts.service,
            ),
            replies: opts.replies ?? false,
            fetchWaitMs: config.get('KAFKA_FETCH_WAIT_MS', { infer: true }),
          }),
        },
        KafkaBus,
        KafkaHealth,
      ],
      exports: [KAFKA_OPTIONS, KafkaBus, KafkaHealth],
    };
  }
}
