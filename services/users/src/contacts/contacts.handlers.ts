import { Controller } from '@nestjs/common';
import type { CommandPayload } from '@chat/contracts/bus';
import { OnCommand } from '@chat/platform-kafka';
import { ContactsService } from './contacts.service';

@Controller()
export class ContactsHandlers {
  constructor(private readonly contacts: ContactsService) {}

  @OnCommand('contacts.list')
  async list(p: CommandPayload<'contacts.list'>) {
    return { contacts: await this.contacts.list(p.actorId) };
  }

  @OnCommand('contacts.add')
  async add(p: CommandPayload<'contacts.add'>) {
    await this.contacts.add(p.actorId, p.userId);
    return {};
  }

  @OnCommand('contacts.remove')
  async remove(p: CommandPayload<'contacts.remove'>) {
    await this.contacts.remove(p.actorId, p.userId);
    return {};
  }
}
