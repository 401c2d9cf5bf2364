import { Controller } from '@nestjs/common';
import type { CommandPayload } from '@chat/contracts/bus';
import { OnCommand, type KafkaContext } from '@chat/platform-kafka';
import { UsersService } from './users.service';

@Controller()
export class UsersHandlers {
  constructor(private readonly users: UsersService) {}

  @OnCommand('users.create')
  async create(p: CommandPayload<'users.create'>, ctx: KafkaContext) {
    return { user: await this.users.create(p, ctx.envelope.correlationId) };
  }

  @OnCommand('users.get')
  async get(p: CommandPayload<'users.get'>) {
    return { user: await this.users.get(p.userId) };
  }

  @OnCommand('users.many')
  async many(p: CommandPayload<'users.many'>) {
    return { users: await this.users.many(p.userIds) };
  }

  @OnCommand('users.search')
  async search(p: CommandPayload<'users.search'>) {
    return { users: await this.users.search(p.actorId, p.query, p.limit) };
  }

  @OnCommand('users.update')
  async update(p: CommandPayload<'users.update'>, ctx: KafkaContext) {
    return { user: await this.users.update(p.actorId, p.displayName, ctx.envelope.correlationId) };
  }

  @OnCommand('users.setAvatar')
  async setAvatar(p: CommandPayload<'users.setAvatar'>, ctx: KafkaContext) {
    return { user: await this.users.setAvatar(p.actorId, p.avatarId, ctx.envelope.correlationId) };
  }

  @OnCommand('blocks.add')
  async block(p: CommandPayload<'blocks.add'>) {
    await this.users.block(p.actorId, p.userId);
    return {};
  }

  @OnCommand('blocks.remove')
  async unblock(p: CommandPayload<'blocks.remove'>) {
    await this.users.unblock(p.actorId, p.userId);
    return {};
  }

  @OnCommand('blocks.list')
  async blocked(p: CommandPayload<'blocks.list'>) {
    return { users: await this.users.blocked(p.actorId) };
  }
}
