import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { PublisherModule } from '../publisher/publisher.module';
import { StoreModule } from '../store/store.module';
import { MessagingHandlers } from './messaging.handlers';
import { MessagingService } from './messaging.service';

@Module({
  imports: [StoreModule, PublisherModule, MediaModule],
  controllers: [MessagingHandlers],
  providers: [MessagingService],
})
export class MessagingModule {}
