import { Module } from '@nestjs/common';
import { configModule } from '@chat/platform-config';
import { KafkaHealth, KafkaModule } from '@chat/platform-kafka';
import { MongoHealth, MongoModule } from '@chat/platform-mongo';
import { HealthModule, loggingModule, MetricsModule } from '@chat/platform-observability';
import { EnvSchema } from './config';

@Module({
  imports: [
    configModule(EnvSchema),
    loggingModule('auth'),
    MetricsModule.forRoot(),
    MongoModule.forRoot(),
    KafkaModule.forService({ service: 'auth' }),
    HealthModule.forRoot([KafkaHealth, MongoHealth]),
  ],
})
export class AppModule {}
