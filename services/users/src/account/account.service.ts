import { Injectable } from '@nestjs/common';
import type { CommandReply } from '@chat/contracts/bus';
import { BlocksService } from '../blocks/blocks.service';
import { ContactsService } from '../contacts/contacts.service';
import { ConversationsService } from '../conversations/conversations.service';
import { UsersService } from '../users/users.service';

/**
 * The whole of a user's account in this service: what the export carries,
 * and letting go of everything at deletion. Auth checks the password and
 * marks the credential before it asks for the deletion; each step here is
 * idempotent, so a retried command finishes what a failed one started.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly contacts: ContactsService,
    private readonly blocks: BlocksService,
    private readonly conversations: ConversationsService,
  ) {}

  /** Leaves every group by group:leave's rules, drops contacts and blocks both ways, and becomes "Deleted user". */
  async delete(userId: string, correlationId?: string): Promise<void> {
    // Marked first: from here on nobody can open a direct conversation with or add the user as a contact.
    await this.users.markDeleted(userId, correlationId);
    for (const conversationId of await this.conversations.groupsOf(userId)) await this.conversations.leave(userId, conversationId);
    await this.contacts.forget(userId);
    await this.blocks.forget(userId);
  }

  async export(userId: string): Promise<CommandReply<'users.export'>> {
    const [user, contacts, blocked] = await Promise.all([this.users.get(userId), this.contacts.list(userId), this.users.blocked(userId)]);
    return { user, contacts, blocked };
  }
}
