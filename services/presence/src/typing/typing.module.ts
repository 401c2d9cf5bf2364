import { Module } from '@nestjs/common';
import { AudienceModule } from '../audience/audience.module';
import { PublisherModule } from '../publisher/publisher.module';
import { TypingHandlers } from './typing.handlers';
import { TypingService } from './typing.service';

@Module({
  imports: [AudienceModule, PublisherModule],
  controllers: [TypingHandlers],
  providers: [TypingService],
  exports: [TypingService],
})
export class TypingModule {}
