import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { DeliveryModule } from '../delivery/delivery.module';
import { Deliveries } from '../delivery/deliveries';
import { ConversationsRepository } from '../store/conversations.repository';
import { MessagesRepository } from '../store/messages.repository';
import { StoreModule } from '../store/store.module';
import { TimelinesRepository } from '../store/timelines.repository';
import { MessagingHandlers } from './messaging.handlers';
import { MessagingService } from './messaging.service';

@Module({
  imports: [StoreModule, DeliveryModule],
  controllers: [MessagingHandlers],
  providers: [
    {
      provide: MessagingService,
      inject: [ConversationsRepository, TimelinesRepository, MessagesRepository, Deliveries, ConfigService],
      useFactory: (
        conversations: ConversationsRepository,
        timelines: TimelinesRepository,
        messages: MessagesRepository,
        pushes: Deliveries,
        config: ConfigService<Env, true>,
      ) => new MessagingService(conversations, timelines, messages, pushes, { getWaitMs: config.get('CONVERSATION_WAIT_MS', { infer: true }) }),
    },
  ],
})
export class MessagingModule {}
