import { Module } from '@nestjs/common';
import { PlatformModule } from '@chat/platform-bootstrap';
import { SealingModule } from '@chat/platform-sealing';
import { AccountsModule } from './accounts/accounts.module';
import { EnvSchema } from './config';

@Module({
  // auth asks the users service to create each registered user, so it listens for replies.
  imports: [PlatformModule.forService({ name: 'auth', env: EnvSchema, replies: true, mongo: true }), SealingModule, AccountsModule],
})
export class AppModule {}
