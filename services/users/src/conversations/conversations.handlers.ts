import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply } from '@chat/contracts';
import { PassThroughRpcFilter, type KafkaContext } from '@chat/platform-kafka';
import { ConversationsService } from './conversations.service';

type Reply = CommandReply<'groups.create'>;

/** Direct conversations and groups: payloads arrive validated by the contracts. */
// The bootstrap's global RPC filter is registered after Nest has wired the handlers (connectMicroservice
// registers listeners at once), so it never applies: without this, every ChatError would reach the caller as INTERNAL.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class ConversationsHandlers {
  constructor(private readonly conversations: ConversationsService) {}

  @MessagePattern('conversations.direct')
  async direct(@Payload() p: { actorId: string; userId: string }): Promise<Reply> {
    return { conversation: await this.conversations.direct(p.actorId, p.userId) };
  }

  @MessagePattern('groups.create')
  async create(@Payload() p: { actorId: string; name: string; memberIds: string[] }, @Ctx() ctx: KafkaContext): Promise<Reply> {
    return { conversation: await this.conversations.createGroup(p.actorId, p.name, p.memberIds, ctx.envelope.id) };
  }

  @MessagePattern('groups.rename')
  async rename(@Payload() p: { actorId: string; conversationId: string; name: string }): Promise<Reply> {
    return { conversation: await this.conversations.rename(p.actorId, p.conversationId, p.name) };
  }

  @MessagePattern('groups.addMembers')
  async addMembers(@Payload() p: { actorId: string; conversationId: string; userIds: string[] }): Promise<Reply> {
    return { conversation: await this.conversations.addMembers(p.actorId, p.conversationId, p.userIds) };
  }

  @MessagePattern('groups.removeMember')
  async removeMember(@Payload() p: { actorId: string; conversationId: string; userId: string }): Promise<Reply> {
    return { conversation: await this.conversations.removeMember(p.actorId, p.conversationId, p.userId) };
  }

  @MessagePattern('groups.setRole')
  async setRole(@Payload() p: { actorId: string; conversationId: string; userId: string; role: 'admin' | 'member' }): Promise<Reply> {
    return { conversation: await this.conversations.setRole(p.actorId, p.conversationId, p.userId, p.role) };
  }

  @MessagePattern('groups.leave')
  async leave(@Payload() p: { actorId: string; conversationId: string }): Promise<CommandReply<'groups.leave'>> {
    await this.conversations.leave(p.actorId, p.conversationId);
    return {};
  }

  @MessagePattern('groups.delete')
  async remove(@Payload() p: { actorId: string; conversationId: string }): Promise<CommandReply<'groups.delete'>> {
    await this.conversations.deleteGroup(p.actorId, p.conversationId);
    return {};
  }
}
