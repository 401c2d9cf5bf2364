import { Module } from '@nestjs/common';
// messaging asks media to claim the uploads of a send, so it listens for replies.
import { PlatformModule } from '@chat/platform-bootstrap';
import { EnvSchema } from './config';
import { MessagingModule } from './messaging/messaging.module';
import { ProjectionModule } from './projection/projection.module';

@Module({
  imports: [PlatformModule.forService({ name: 'messaging', env: EnvSchema, mongo: true, replies: true }), ProjectionModule, MessagingModule],
})
export class AppModule {}
