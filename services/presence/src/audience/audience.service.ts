import { Injectable, Logger } from '@nestjs/common';
import type { ConversationCore, EventPayload } from '@chat/contracts/bus';
import { AudienceRepository, type StoredConversation } from './audience.repository';

interface Conversation {
  members: Set<string>;
  version: number;
  deleted: boolean;
}

/**
 * Who may hear about whom: presence's projection of conversation membership
 * and contacts, kept in memory (typing is relayed without touching the
 * database) and persisted, so a restart resumes from the committed offsets
 * without replaying history.
 */
@Injectable()
export class AudienceService {
  private readonly log = new Logger(AudienceService.name);
  private readonly conversations = new Map<string, Conversation>();
  /** userId → the conversations they are a member of. */
  private readonly memberOf = new Map<string, Set<string>>();
  /** contactId → the users who have them as a contact. */
  private readonly watchers = new Map<string, Set<string>>();
  private loading?: Promise<void>;

  constructor(private readonly repo: AudienceRepository) {}

  /** Loads the projection once; every entry point awaits it. */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const [conversations, contacts] = await Promise.all([this.repo.allConversations(), this.repo.allContacts()]);
    for (const c of conversations) this.put(c);
    for (const c of contacts) this.watch(c.ownerId, c.contactId, true);
    this.log.log(`loaded ${conversations.length} conversations and ${contacts.length} contacts`);
  }

  async conversationChanged(e: EventPayload<'conversation.changed'>): Promise<void> {
    await this.ready();
    await this.apply({ id: e.conversation.id, memberIds: memberIds(e.conversation), version: e.conversation.version, deleted: false });
  }

  async conversationDeleted(e: EventPayload<'conversation.deleted'>): Promise<void> {
    await this.ready();
    await this.apply({ id: e.conversationId, memberIds: [], version: e.version, deleted: true });
  }

  async contactChanged(e: EventPayload<'contact.changed'>): Promise<void> {
    await this.ready();
    if (e.added) await this.repo.addContact(e.ownerId, e.contactId);
    else await this.repo.removeContact(e.ownerId, e.contactId);
    this.watch(e.ownerId, e.contactId, e.added);
  }

  /** Members of a live conversation, or null when it is unknown or deleted. */
  membersOf(conversationId: string): ReadonlySet<string> | null {
    const c = this.conversations.get(conversationId);
    return c && !c.deleted ? c.members : null;
  }

  isMember(conversationId: string, userId: string): boolean {
    return this.membersOf(conversationId)?.has(userId) ?? false;
  }

  /** Everyone who shares a conversation with the user or has them as a contact; never the user. */
  watchersOf(userId: string): string[] {
    const out = new Set<string>(this.watchers.get(userId));
    for (const id of this.memberOf.get(userId) ?? []) {
      for (const m of this.conversations.get(id)?.members ?? []) out.add(m);
    }
    out.delete(userId);
    return [...out];
  }

  /** Whether `viewerId` is one of `watchersOf(userId)`, without building the list. */
  watches(viewerId: string, userId: string): boolean {
    if (viewerId === userId) return false;
    if (this.watchers.get(userId)?.has(viewerId)) return true;
    for (const id of this.memberOf.get(userId) ?? []) {
      if (this.conversations.get(id)?.members.has(viewerId)) return true;
    }
    return false;
  }

  private async apply(next: StoredConversation): Promise<void> {
    const current = this.conversations.get(next.id);
    if (current && current.version >= next.version) return; // a replay or an older state
    await this.repo.saveConversation(next);
    this.put(next);
  }

  private put(c: StoredConversation): void {
    const previous = this.conversations.get(c.id);
    for (const m of previous?.members ?? []) this.memberOf.get(m)?.delete(c.id);
    const members = new Set(c.deleted ? [] : c.memberIds);
    this.conversations.set(c.id, { members, version: c.version, deleted: c.deleted });
    for (const m of members) {
      let set = this.memberOf.get(m);
      if (!set) this.memberOf.set(m, (set = new Set()));
      set.add(c.id);
    }
  }

  private watch(ownerId: string, contactId: string, added: boolean): void {
    let set = this.watchers.get(contactId);
    if (added) {
      if (!set) this.watchers.set(contactId, (set = new Set()));
      set.add(ownerId);
    } else {
      set?.delete(ownerId);
      if (set?.size === 0) this.watchers.delete(contactId);
    }
  }
}

function memberIds(c: ConversationCore): string[] {
  return c.members.map((m) => m.userId);
}
