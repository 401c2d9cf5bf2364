import { Module } from '@nestjs/common';
import { AudienceModule } from '../audience/audience.module';
import { SharedModule } from '../shared/shared.module';
import { TypingHandlers } from './typing.handlers';
import { TypingService } from './typing.service';

@Module({
  imports: [AudienceModule, SharedModule],
  controllers: [TypingHandlers],
  providers: [TypingService],
  exports: [TypingService],
})
export class TypingModule {}
