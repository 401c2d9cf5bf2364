import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ConversationsRepository } from './conversations.repository';
import { MessagesRepository } from './messages.repository';
import {
  CONVERSATION_MODEL,
  ConversationMongoSchema,
  MESSAGE_MODEL,
  MessageMongoSchema,
  TIMELINE_MODEL,
  TimelineMongoSchema,
} from './store.schema';
import { TimelinesRepository } from './timelines.repository';

/**
 * Messaging's data access: the three collections and their repositories,
 * shared by the projection (events in) and the messaging commands, which read
 * each other's documents but never write them.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CONVERSATION_MODEL, schema: ConversationMongoSchema },
      { name: TIMELINE_MODEL, schema: TimelineMongoSchema },
      { name: MESSAGE_MODEL, schema: MessageMongoSchema },
    ]),
  ],
  providers: [ConversationsRepository, TimelinesRepository, MessagesRepository],
  exports: [ConversationsRepository, TimelinesRepository, MessagesRepository],
})
export class StoreModule {}
