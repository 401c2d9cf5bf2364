import { Injectable } from '@nestjs/common';
import { ChatError, type User } from '@chat/contracts';
import type { KafkaBus } from '@chat/platform-kafka';
import type { UsersService } from '../users/users.service';
import type { ContactsRepository } from './contacts.repository';

type Repo = Pick<ContactsRepository, 'add' | 'remove' | 'contactIds'>;

/**
 * A user's contact list. Add and remove are idempotent; each answers with
 * `contact.changed` carrying the resulting state, so a retried command (or a
 * repeated one) can only repeat a fact, never contradict it.
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly repo: Repo,
    private readonly users: Pick<UsersService, 'assertExist' | 'many'>,
    private readonly bus: Pick<KafkaBus, 'emit'>,
  ) {}

  async add(ownerId: string, contactId: string): Promise<void> {
    if (contactId === ownerId) throw new ChatError('VALIDATION_FAILED', 'you cannot add yourself as a contact');
    await this.users.assertExist([contactId]);
    await this.repo.add(ownerId, contactId);
    await this.bus.emit('contact.changed', ownerId, { ownerId, contactId, added: true });
  }

  async remove(ownerId: string, contactId: string): Promise<void> {
    if (contactId === ownerId) return;
    await this.users.assertExist([contactId]);
    await this.repo.remove(ownerId, contactId);
    await this.bus.emit('contact.changed', ownerId, { ownerId, contactId, added: false });
  }

  /** The contacts as users, ordered by username. */
  async list(ownerId: string): Promise<User[]> {
    const users = await this.users.many(await this.repo.contactIds(ownerId));
    return users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  }
}
