import { Module } from '@nestjs/common';
import { PlatformModule } from '@chat/platform-bootstrap';
import { AccountModule } from './account/account.module';
import { EnvSchema } from './config';
import { ContactsModule } from './contacts/contacts.module';
import { ConversationsModule } from './conversations/conversations.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [PlatformModule.forService({ name: 'users', env: EnvSchema, mongo: true }), UsersModule, ContactsModule, ConversationsModule, AccountModule],
})
export class AppModule {}
