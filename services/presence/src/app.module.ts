import { Module } from '@nestjs/common';
import { configModule } from '@chat/platform-config';
import { KafkaHealth, KafkaModule } from '@chat/platform-kafka';
import { MongoHealth, MongoModule } from '@chat/platform-mongo';
import { HealthModule, loggingModule, MetricsModule } from '@chat/platform-observability';
import { AudienceModule } from './audience/audience.module';
import { EnvSchema } from './config';
import { PresenceModule } from './presence/presence.module';
import { TypingModule } from './typing/typing.module';

@Module({
  imports: [
    configModule(EnvSchema),
    loggingModule('presence'),
    MetricsModule.forRoot(),
    MongoModule.forRoot(),
    KafkaModule.forService({ service: 'presence' }),
    HealthModule.forRoot([KafkaHealth, MongoHealth]),
    AudienceModule,
    TypingModule,
    PresenceModule,
  ],
})
export class AppModule {}
