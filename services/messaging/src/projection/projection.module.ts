import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { Deliveries } from '../delivery/deliveries';
import { ConversationsRepository } from '../store/conversations.repository';
import { StoreModule } from '../store/store.module';
import { TimelinesRepository } from '../store/timelines.repository';
import { ProjectionHandlers } from './projection.handlers';
import { ProjectionService } from './projection.service';

@Module({
  imports: [StoreModule, DeliveryModule],
  controllers: [ProjectionHandlers],
  providers: [
    {
      provide: ProjectionService,
      inject: [ConversationsRepository, TimelinesRepository, Deliveries],
      useFactory: (conversations: ConversationsRepository, timelines: TimelinesRepository, pushes: Deliveries) =>
        new ProjectionService(conversations, timelines, pushes),
    },
  ],
})
export class ProjectionModule {}
