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

function saslOptions(config: ConfigService<BaseEnv, true>): KafkaOptions['sasl'] {
  const mechanism = config.get('KAFKA_SASL_MECHANISM', { infer: true });
  if (!mechanism) return undefined;
  const username = config.get('KAFKA_USERNAME', { infer: true });
  const password = config.get('KAFKA_PASSWORD', { infer: true });
  if (!username || !password) throw new Error('KAFKA_SASL_MECHANISM is set: KAFKA_USERNAME and KAFKA_PASSWORD are required');
  // One object for the three mechanisms: kafkajs types them as a union of one each.
  return { mechanism, username, password } as KafkaOptions['sasl'];
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
            routesConnectLagMs: config.get('ROUTES_CONNECT_LAG_MS', { infer: true }),
            deliveryRouting: config.get('DELIVERY_ROUTING', { infer: true }) !== 'off',
            sasl: saslOptions(config),
            ssl: config.get('KAFKA_TLS', { infer: true }),
          }),
        },
        KafkaBus,
        KafkaHealth,
      ],
      exports: [KAFKA_OPTIONS, KafkaBus, KafkaHealth],
    };
  }
}
