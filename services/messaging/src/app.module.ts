import { Module } from '@nestjs/common';
import { configModule } from '@chat/platform-config';
import { KafkaHealth, KafkaModule } from '@chat/platform-kafka';
import { MongoHealth, MongoModule } from '@chat/platform-mongo';
import { HealthModule, loggingModule, MetricsModule } from '@chat/platform-observability';
import { EnvSchema } from './config';
import { MessagingModule } from './messaging/messaging.module';
import { ProjectionModule } from './projection/projection.module';

@Module({
  imports: [
    configModule(EnvSchema),
    loggingModule('messaging'),
    MetricsModule.forRoot(),
    MongoModule.forRoot(),
    KafkaModule.forService({ service: 'messaging' }),
    HealthModule.forRoot([KafkaHealth, MongoHealth]),
    ProjectionModule,
    MessagingModule,
  ],
})
export class AppModule {}
