import { Module } from '@nestjs/common';
import { configModule } from '@chat/platform-config';
import { KafkaHealth, KafkaModule } from '@chat/platform-kafka';
import { MongoHealth, MongoModule } from '@chat/platform-mongo';
import { HealthModule, loggingModule, MetricsModule } from '@chat/platform-observability';
import { EnvSchema } from './config';
import { ContactsModule } from './contacts/contacts.module';
import { ConversationsModule } from './conversations/conversations.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    configModule(EnvSchema),
    loggingModule('users'),
    MetricsModule.forRoot(),
    MongoModule.forRoot(),
    KafkaModule.forService({ service: 'users' }),
    HealthModule.forRoot([KafkaHealth, MongoHealth]),
    UsersModule,
    ContactsModule,
    ConversationsModule,
  ],
})
export class AppModule {}
