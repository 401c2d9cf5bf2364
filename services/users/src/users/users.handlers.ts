import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest } from '@chat/contracts';
import { PassThroughRpcFilter, type KafkaContext } from '@chat/platform-kafka';
import { UsersService } from './users.service';

// The bootstrap's global RPC filter is registered after Nest has wired the handlers (connectMicroservice
// registers listeners at once), so it never applies: without this, every ChatError would reach the caller as INTERNAL.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class UsersHandlers {
  constructor(private readonly users: UsersService) {}

  @MessagePattern('users.create')
  async create(@Payload() p: CommandRequest<'users.create'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'users.create'>> {
    return { user: await this.users.create(p, ctx.envelope.correlationId) };
  }

  @MessagePattern('users.get')
  async get(@Payload() p: CommandRequest<'users.get'>): Promise<CommandReply<'users.get'>> {
    return { user: await this.users.get(p.userId) };
  }

  @MessagePattern('users.many')
  async many(@Payload() p: { actorId: string; userIds: string[] }): Promise<CommandReply<'users.many'>> {
    return { users: await this.users.many(p.userIds) };
  }

  @MessagePattern('users.search')
  async search(@Payload() p: { actorId: string; query: string; limit: number }): Promise<CommandReply<'users.search'>> {
    return { users: await this.users.search(p.actorId, p.query, p.limit) };
  }
}
