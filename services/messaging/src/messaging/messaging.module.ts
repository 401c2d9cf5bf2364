import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Metrics } from '@chat/platform-observability';
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
      inject: [ConversationsRepository, TimelinesRepository, MessagesRepository, Deliveries, ConfigService, Metrics],
      useFactory: (
        conversations: ConversationsRepository,
        timelines: TimelinesRepository,
        messages: MessagesRepository,
        pushes: Deliveries,
        config: ConfigService<Env, true>,
        metrics: Metrics,
      ) => {
        const steps = metrics.histogram('chat_messaging_send_step_seconds', 'Time of each step of messages.send', ['step'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
        return new MessagingService(conversations, timelines, messages, pushes, {
          getWaitMs: config.get('CONVERSATION_WAIT_MS', { infer: true }),
          observe: (step, ms) => steps.observe({ step }, ms / 1000),
        });
      },
    },
  ],
})
export class MessagingModule {}
