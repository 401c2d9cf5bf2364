import { Controller } from '@nestjs/common';
import type { CommandPayload } from '@chat/contracts/bus';
import { OnCommand, type KafkaContext } from '@chat/platform-kafka';
import { ConversationsService } from './conversations.service';

/** Direct conversations and groups. */
@Controller()
export class ConversationsHandlers {
  constructor(private readonly conversations: ConversationsService) {}

  @OnCommand('conversations.direct')
  async direct(p: CommandPayload<'conversations.direct'>) {
    return { conversation: await this.conversations.direct(p.actorId, p.userId) };
  }

  @OnCommand('groups.create')
  async create(p: CommandPayload<'groups.create'>, ctx: KafkaContext) {
    return { conversation: await this.conversations.createGroup(p.actorId, p.name, p.memberIds, ctx.envelope.id) };
  }

  @OnCommand('groups.rename')
  async rename(p: CommandPayload<'groups.rename'>) {
    return { conversation: await this.conversations.rename(p.actorId, p.conversationId, p.name) };
  }

  @OnCommand('groups.addMembers')
  async addMembers(p: CommandPayload<'groups.addMembers'>) {
    return { conversation: await this.conversations.addMembers(p.actorId, p.conversationId, p.userIds) };
  }

  @OnCommand('groups.removeMember')
  async removeMember(p: CommandPayload<'groups.removeMember'>) {
    return { conversation: await this.conversations.removeMember(p.actorId, p.conversationId, p.userId) };
  }

  @OnCommand('groups.setRole')
  async setRole(p: CommandPayload<'groups.setRole'>) {
    return { conversation: await this.conversations.setRole(p.actorId, p.conversationId, p.userId, p.role) };
  }

  @OnCommand('groups.leave')
  async leave(p: CommandPayload<'groups.leave'>) {
    await this.conversations.leave(p.actorId, p.conversationId);
    return {};
  }

  @OnCommand('groups.delete')
  async remove(p: CommandPayload<'groups.delete'>) {
    await this.conversations.deleteGroup(p.actorId, p.conversationId);
    return {};
  }
}
