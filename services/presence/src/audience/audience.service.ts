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
  /** blockerId → the users they block. */
  private readonly blocked = new Map<string, Set<string>>();
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
    const [conversations, contacts, blocks] = await Promise.all([this.repo.allConversations(), this.repo.allContacts(), this.repo.allBlocks()]);
    for (const c of conversations) this.put(c);
    for (const c of contacts) this.watch(c.ownerId, c.contactId, true);
    for (const b of blocks) link(this.blocked, b.blockerId, b.blockedId, true);
    this.log.log(`loaded ${conversations.length} conversations, ${contacts.length} contacts and ${blocks.length} blocks`);
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

  async blockChanged(e: EventPayload<'block.changed'>): Promise<void> {
    await this.ready();
    await this.repo.setBlock(e.blockerId, e.blockedId, e.blocked);
    link(this.blocked, e.blockerId, e.blockedId, e.blocked);
  }

  /** Whether `blockerId` blocks `userId`: then `userId` gets none of the blocker's presence or typing. */
  blocks(blockerId: string, userId: string): boolean {
    return this.blocked.get(blockerId)?.has(userId) ?? false;
  }

  /** Members of a live conversation, or null when it is unknown or deleted. */
  membersOf(conversationId: string): ReadonlySet<string> | null {
    const c = this.conversations.get(conversationId);
    return c && !c.deleted ? c.members : null;
  }

  isMember(conversationId: string, userId: string): boolean {
    return this.membersOf(conversationId)?.has(userId) ?? false;
  }

  /**
   * Who may see the user's presence (v1.1 consent): everyone who shares a conversation with
   * them, or whom they and the other both have as contacts; never the user, nor anyone they block.
   */
  watchersOf(userId: string): string[] {
    const out = new Set<string>();
    for (const w of this.watchers.get(userId) ?? []) if (this.mutual(w, userId)) out.add(w);
    for (const id of this.memberOf.get(userId) ?? []) {
      for (const m of this.conversations.get(id)?.members ?? []) out.add(m);
    }
    out.delete(userId);
    for (const b of this.blocked.get(userId) ?? []) out.delete(b);
    return [...out];
  }

  /** Whether `viewerId` is one of `watchersOf(userId)`, without building the list. */
  watches(viewerId: string, userId: string): boolean {
    if (viewerId === userId || this.blocks(userId, viewerId)) return false;
    if (this.mutual(viewerId, userId)) return true;
    for (const id of this.memberOf.get(userId) ?? []) {
      if (this.conversations.get(id)?.members.has(viewerId)) return true;
    }
    return false;
  }

  /** Each has the other as a contact. */
  private mutual(a: string, b: string): boolean {
    return (this.watchers.get(b)?.has(a) ?? false) && (this.watchers.get(a)?.has(b) ?? false);
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
    link(this.watchers, contactId, ownerId, added);
  }
}

/** Adds `value` to (or takes it from) the set `map` holds under `key`, dropping sets that empty. */
function link(map: Map<string, Set<string>>, key: string, value: string, present: boolean): void {
  let set = map.get(key);
  if (present) {
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
  } else {
    set?.delete(value);
    if (set?.size === 0) map.delete(key);
  }
}

function memberIds(c: ConversationCore): string[] {
  return c.members.map((m) => m.userId);
}
