import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PassThroughRpcFilter } from '@chat/platform-kafka';
import type { CommandReply } from '@chat/contracts';
import { ContactsService } from './contacts.service';

// The bootstrap's global RPC filter is registered after Nest has wired the handlers (connectMicroservice
// registers listeners at once), so it never applies: without this, every ChatError would reach the caller as INTERNAL.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class ContactsHandlers {
  constructor(private readonly contacts: ContactsService) {}

  @MessagePattern('contacts.list')
  async list(@Payload() p: { actorId: string }): Promise<CommandReply<'contacts.list'>> {
    return { contacts: await this.contacts.list(p.actorId) };
  }

  @MessagePattern('contacts.add')
  async add(@Payload() p: { actorId: string; userId: string }): Promise<CommandReply<'contacts.add'>> {
    await this.contacts.add(p.actorId, p.userId);
    return {};
  }

  @MessagePattern('contacts.remove')
  async remove(@Payload() p: { actorId: string; userId: string }): Promise<CommandReply<'contacts.remove'>> {
    await this.contacts.remove(p.actorId, p.userId);
    return {};
  }
}
