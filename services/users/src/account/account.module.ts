import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { ContactsModule } from '../contacts/contacts.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { UsersModule } from '../users/users.module';
import { AccountHandlers } from './account.handlers';
import { AccountService } from './account.service';

@Module({
  imports: [UsersModule, ContactsModule, BlocksModule, ConversationsModule],
  controllers: [AccountHandlers],
  providers: [AccountService],
})
export class AccountModule {}
