import { Injectable } from '@nestjs/common';
import { ChatError } from '@chat/contracts';
import { UsersPublisher } from '../publisher/users.publisher';
import { BlocksRepository } from './blocks.repository';

/**
 * Who blocks whom. Block and unblock are idempotent and each announces the
 * resulting state with `block.changed` (presence and messaging keep their own
 * copies), so a retried command can only repeat a fact. Whether the other
 * user exists is the caller's check: this knows ids only.
 */
@Injectable()
export class BlocksService {
  constructor(
    private readonly repo: BlocksRepository,
    private readonly events: UsersPublisher,
  ) {}

  async block(blockerId: string, blockedId: string): Promise<void> {
    if (blockerId === blockedId) throw new ChatError('VALIDATION_FAILED', 'you cannot block yourself');
    await this.repo.add(blockerId, blockedId);
    await this.events.blockChanged(blockerId, blockedId, true);
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    if (blockerId === blockedId) throw new ChatError('VALIDATION_FAILED', 'you cannot unblock yourself');
    await this.repo.remove(blockerId, blockedId);
    await this.events.blockChanged(blockerId, blockedId, false);
  }

  blocks(blockerId: string, blockedId: string): Promise<boolean> {
    return this.repo.exists(blockerId, blockedId);
  }

  blockedBy(blockerId: string): Promise<string[]> {
    return this.repo.blockedBy(blockerId);
  }

  blockersOf(blockedId: string): Promise<string[]> {
    return this.repo.blockersOf(blockedId);
  }

  /** FORBIDDEN when any of `userIds` blocks `actorId` (adding them to a group, opening a direct conversation). */
  async assertNotBlockedBy(actorId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const blockers = new Set(await this.repo.blockersOf(actorId));
    if (userIds.some((id) => blockers.has(id))) throw new ChatError('FORBIDDEN', 'this user does not accept that from you');
  }

  /** Every block from and of the user goes (account deletion). */
  async forget(userId: string): Promise<void> {
    for (const blockedId of await this.repo.blockedBy(userId)) await this.unblock(userId, blockedId);
    for (const blockerId of await this.repo.blockersOf(userId)) await this.unblock(blockerId, userId);
  }
}
