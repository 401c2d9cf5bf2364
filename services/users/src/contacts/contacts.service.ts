import { Injectable } from '@nestjs/common';
import { ChatError, type User } from '@chat/contracts';
import { UsersPublisher } from '../publisher/users.publisher';
import { byUsername, UsersService } from '../users/users.service';
import { ContactsRepository } from './contacts.repository';

/**
 * A user's contact list. Add and remove are idempotent; each answers with
 * `contact.changed` carrying the resulting state, so a retried command (or a
 * repeated one) can only repeat a fact, never contradict it.
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly repo: ContactsRepository,
    private readonly users: UsersService,
    private readonly events: UsersPublisher,
  ) {}

  async add(ownerId: string, contactId: string): Promise<void> {
    if (contactId === ownerId) throw new ChatError('VALIDATION_FAILED', 'you cannot add yourself as a contact');
    await this.users.assertActive([contactId]);
    await this.repo.add(ownerId, contactId);
    await this.events.contactChanged(ownerId, contactId, true);
  }

  async remove(ownerId: string, contactId: string): Promise<void> {
    if (contactId === ownerId) return;
    await this.users.assertExist([contactId]);
    await this.repo.remove(ownerId, contactId);
    await this.events.contactChanged(ownerId, contactId, false);
  }

  /** The contacts as users, ordered by username. */
  async list(ownerId: string): Promise<User[]> {
    return byUsername(await this.users.many(await this.repo.contactIds(ownerId)));
  }

  /** Every contact from and of the user goes, each announced (account deletion). */
  async forget(userId: string): Promise<void> {
    for (const contactId of await this.repo.contactIds(userId)) {
      await this.repo.remove(userId, contactId);
      await this.events.contactChanged(userId, contactId, false);
    }
    for (const ownerId of await this.repo.ownerIds(userId)) {
      await this.repo.remove(ownerId, userId);
      await this.events.contactChanged(ownerId, userId, false);
    }
  }
}
