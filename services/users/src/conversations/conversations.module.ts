import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { BlocksModule } from '../blocks/blocks.module';
import { PublisherModule } from '../publisher/publisher.module';
import { UsersModule } from '../users/users.module';
import { ConversationsHandlers } from './conversations.handlers';
import { ConversationsRepository } from './conversations.repository';
import { CONVERSATION_MODEL, ConversationMongoSchema } from './conversations.schema';
import { ConversationsService } from './conversations.service';

@Module({
  imports: [UsersModule, BlocksModule, PublisherModule, MongooseModule.forFeature([{ name: CONVERSATION_MODEL, schema: ConversationMongoSchema }])],
  controllers: [ConversationsHandlers],
  providers: [ConversationsRepository, ConversationsService],
  exports: [ConversationsService],
})
export class ConversationsModule {}
