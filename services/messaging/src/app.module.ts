import { Module } from '@nestjs/common';
import { PlatformModule } from '@chat/platform-bootstrap';
import { EnvSchema } from './config';
import { MessagingModule } from './messaging/messaging.module';
import { ProjectionModule } from './projection/projection.module';

@Module({
  imports: [PlatformModule.forService({ name: 'messaging', env: EnvSchema, mongo: true }), ProjectionModule, MessagingModule],
})
export class AppModule {}
