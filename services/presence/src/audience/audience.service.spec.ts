import { Logger } from '@nestjs/common';
import type { AudienceRepository } from './audience.repository';
import { AudienceService } from './audience.service';
import { conversationChanged, FakeAudienceRepository } from '../testing/fakes';

describe('AudienceService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let repo: FakeAudienceRepository;
  let audience: AudienceService;

  beforeEach(() => {
    repo = new FakeAudienceRepository();
    audience = new AudienceService(repo as unknown as AudienceRepository);
  });

  it('watchers of a user are the members of their conversations and users they have as contacts who have them too (v1.1 consent), never the user', async () => {
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob', 'carol'], 1));
    await audience.conversationChanged(conversationChanged('d1', ['alice', 'dave'], 1));
    // erin and alice have each other as contacts; frank is in alice's list only, gina has alice only.
    await audience.contactChanged({ ownerId: 'erin', contactId: 'alice', added: true });
    await audience.contactChanged({ ownerId: 'alice', contactId: 'erin', added: true });
    await audience.contactChanged({ ownerId: 'alice', contactId: 'frank', added: true });
    await audience.contactChanged({ ownerId: 'gina', contactId: 'alice', added: true });

    expect(audience.watchersOf('alice').sort()).toEqual(['bob', 'carol', 'dave', 'erin']);
    expect(audience.watchersOf('frank')).toEqual([]);
    expect(audience.watchersOf('erin')).toEqual(['alice']);
    expect(audience.watchersOf('gina')).toEqual([]);
    expect(audience.watchersOf('stranger')).toEqual([]);
    // watches() answers the same question one pair at a time.
    for (const user of ['alice', 'frank', 'erin', 'gina', 'stranger']) {
      for (const viewer of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'stranger']) {
        expect({ viewer, user, watches: audience.watches(viewer, user) }).toEqual({ viewer, user, watches: audience.watchersOf(user).includes(viewer) });
      }
    }
  });

  it('a user they block watches nothing of them, conversation or contact; unblocking restores it', async () => {
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob', 'carol'], 1));
    await audience.contactChanged({ ownerId: 'alice', contactId: 'carol', added: true });
    await audience.contactChanged({ ownerId: 'carol', contactId: 'alice', added: true });
    await audience.blockChanged({ blockerId: 'alice', blockedId: 'bob', blocked: true });
    await audience.blockChanged({ blockerId: 'alice', blockedId: 'carol', blocked: true });
    expect(audience.watchersOf('alice')).toEqual([]);
    expect(audience.watches('bob', 'alice')).toBe(false);
    // Blocking is one way: alice still sees bob.
    expect(audience.watchersOf('bob').sort()).toEqual(['alice', 'carol']);
    expect(audience.blocks('alice', 'bob')).toBe(true);
    await audience.blockChanged({ blockerId: 'alice', blockedId: 'bob', blocked: false });
    expect(audience.watchersOf('alice')).toEqual(['bob']);
    const restarted = new AudienceService(repo as unknown as AudienceRepository);
    await restarted.ready();
    expect(restarted.blocks('alice', 'carol')).toBe(true);
    expect(restarted.watchersOf('alice')).toEqual(['bob']);
  });

  it('applies a conversation state only when its version is higher', async () => {
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob'], 2));
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob', 'carol'], 1));
    expect([...audience.membersOf('g1')!].sort()).toEqual(['alice', 'bob']);

    await audience.conversationChanged(conversationChanged('g1', ['alice'], 3));
    expect([...audience.membersOf('g1')!]).toEqual(['alice']);
    expect(audience.watchersOf('bob')).toEqual([]);
    expect(repo.conversations.get('g1')!.version).toBe(3);
  });

  it('a deleted conversation has no members, and a late older state does not bring it back', async () => {
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob'], 1));
    await audience.conversationDeleted({ conversationId: 'g1', memberIds: ['alice', 'bob'], actorId: 'alice', version: 2 });
    expect(audience.membersOf('g1')).toBeNull();
    expect(audience.isMember('g1', 'alice')).toBe(false);
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob'], 1));
    expect(audience.membersOf('g1')).toBeNull();
    expect(audience.watchersOf('alice')).toEqual([]);
  });

  it('removing a contact stops that watcher (unless they share a conversation)', async () => {
    await audience.contactChanged({ ownerId: 'bob', contactId: 'alice', added: true });
    await audience.contactChanged({ ownerId: 'alice', contactId: 'bob', added: true });
    expect(audience.watchersOf('alice')).toEqual(['bob']);
    await audience.contactChanged({ ownerId: 'bob', contactId: 'alice', added: false });
    expect(audience.watchersOf('alice')).toEqual([]);
  });

  it('a new instance reads the projection back from the repository', async () => {
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob'], 1));
    await audience.contactChanged({ ownerId: 'carol', contactId: 'alice', added: true });
    await audience.contactChanged({ ownerId: 'alice', contactId: 'carol', added: true });

    const restarted = new AudienceService(repo as unknown as AudienceRepository);
    await restarted.ready();
    expect(restarted.watchersOf('alice').sort()).toEqual(['bob', 'carol']);
    expect(restarted.isMember('g1', 'bob')).toBe(true);
  });
});
