import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaBus } from '@chat/platform-kafka';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { ConversationsHandlers } from './conversations.handlers';
import { ConversationsRepository } from './conversations.repository';
import { CONVERSATION_MODEL, ConversationMongoSchema } from './conversations.schema';
import { ConversationsService } from './conversations.service';

@Module({
  imports: [UsersModule, MongooseModule.forFeature([{ name: CONVERSATION_MODEL, schema: ConversationMongoSchema }])],
  controllers: [ConversationsHandlers],
  providers: [
    ConversationsRepository,
    {
      provide: ConversationsService,
      inject: [ConversationsRepository, UsersService, KafkaBus],
      useFactory: (repo: ConversationsRepository, users: UsersService, bus: KafkaBus) => new ConversationsService(repo, users, bus),
    },
  ],
})
export class ConversationsModule {}
