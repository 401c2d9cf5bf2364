import { Module } from '@nestjs/common';
import { PlatformModule } from '@chat/platform-bootstrap';
import { AudienceModule } from './audience/audience.module';
import { EnvSchema } from './config';
import { PresenceModule } from './presence/presence.module';
import { TypingModule } from './typing/typing.module';

@Module({
  imports: [PlatformModule.forService({ name: 'presence', env: EnvSchema, mongo: true }), AudienceModule, TypingModule, PresenceModule],
})
export class AppModule {}
