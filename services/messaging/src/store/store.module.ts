import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { BlocksRepository } from './blocks.repository';
import { ConversationsRepository } from './conversations.repository';
import { CurrentTimelines } from './current-timelines';
import { MessagesRepository } from './messages.repository';
import {
  BLOCK_MODEL,
  BlockMongoSchema,
  CONVERSATION_MODEL,
  ConversationMongoSchema,
  MESSAGE_MODEL,
  MessageMongoSchema,
  TIMELINE_MODEL,
  TimelineMongoSchema,
  USER_MODEL,
  UserMongoSchema,
} from './store.schema';
import { TimelinesRepository } from './timelines.repository';
import { UsersRepository } from './users.repository';

/**
 * Messaging's data access: the collections and their repositories,
 * shared by the projection (events in) and the messaging commands, which read
 * each other's documents but never write them.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CONVERSATION_MODEL, schema: ConversationMongoSchema },
      { name: TIMELINE_MODEL, schema: TimelineMongoSchema },
      { name: MESSAGE_MODEL, schema: MessageMongoSchema },
      { name: BLOCK_MODEL, schema: BlockMongoSchema },
      { name: USER_MODEL, schema: UserMongoSchema },
    ]),
  ],
  providers: [ConversationsRepository, TimelinesRepository, CurrentTimelines, MessagesRepository, BlocksRepository, UsersRepository],
  exports: [ConversationsRepository, TimelinesRepository, CurrentTimelines, MessagesRepository, BlocksRepository, UsersRepository],
})
export class StoreModule {}
