import { Module } from '@nestjs/common';
import { AudienceModule } from '../audience/audience.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { TypingHandlers } from './typing.handlers';
import { TypingService } from './typing.service';

@Module({
  imports: [AudienceModule, DeliveryModule],
  controllers: [TypingHandlers],
  providers: [TypingService],
  exports: [TypingService],
})
export class TypingModule {}
