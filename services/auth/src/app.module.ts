import { Module } from '@nestjs/common';
import { configModule } from '@chat/platform-config';
import { KafkaHealth, KafkaModule } from '@chat/platform-kafka';
import { MongoHealth, MongoModule } from '@chat/platform-mongo';
import { HealthModule, loggingModule, MetricsModule } from '@chat/platform-observability';
import { AccountsModule } from './accounts/accounts.module';
import { EnvSchema } from './config';

@Module({
  imports: [
    configModule(EnvSchema),
    loggingModule('auth'),
    MetricsModule.forRoot(),
    MongoModule.forRoot(),
    // auth asks the users service to create each registered user, so it listens for replies.
    KafkaModule.forService({ service: 'auth', replies: true }),
    HealthModule.forRoot([KafkaHealth, MongoHealth]),
    AccountsModule,
  ],
})
export class AppModule {}
