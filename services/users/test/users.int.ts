import { ok, request, startPlatform, type Platform, type TestUser } from '@chat/testing';
import type { Conversation } from '@chat/contracts';
import { closeUsers, newUser, roles, warmUp } from './helpers';

/**
 * Search, contacts, direct conversations and groups through the gateway's
 * Socket.IO, against the real users service (and the messaging service, which
 * answers the caller's view of a conversation and pushes its changes).
 */
let platform: Platform;
let url: string;
const everyone: TestUser[] = [];

beforeAll(async () => {
  platform = await startPlatform();
  url = platform.url;
  await warmUp(url);
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000);

afterAll(async () => {
  closeUsers(...everyone);
  await platform?.stop();
});

async function user(prefix = 'u', displayName?: string): Promise<TestUser> {
  const u = await newUser(url, prefix, displayName);
  everyone.push(u);
  return u;
}

/** The ack's error code (or 'ok'); and the socket must still be connected afterwards. */
async function code(u: TestUser, event: Parameters<typeof request>[1], payload: unknown): Promise<string> {
  const ack = await request(u.socket, event, payload);
  expect(u.socket.connected).toBe(true);
  return ack.ok ? 'ok' : ack.error.code;
}

const updated = (u: TestUser, id: string, check: (c: Conversation) => boolean = () => true) =>
  u.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id && check(p.conversation));

describe('user:search', () => {
  let me: TestUser;
  let tag: string;
  beforeAll(async () => {
    me = await user('searcher');
    tag = `q${Date.now().toString(36)}`;
    // Usernames carry the tag; display names another prefix.
    await newUser(url, `${tag}_b`, 'Zed Person').then((u) => everyone.push(u));
    await newUser(url, `${tag}_a`, 'Alpha Person').then((u) => everyone.push(u));
    await newUser(url, 'other', `${tag.toUpperCase()} Display`).then((u) => everyone.push(u));
  });

  it('matches a username or display-name prefix, case-insensitively, ordered by username', async () => {
    const { users } = await ok(me.socket, 'user:search', { query: tag.toUpperCase() });
    expect(users.map((u) => u.username)).toEqual([...users.map((u) => u.username)].sort());
    expect(users).toHaveLength(3);
    expect(users.filter((u) => u.username.startsWith(tag))).toHaveLength(2);
    expect(users.some((u) => u.displayName === `${tag.toUpperCase()} Display`)).toBe(true);
    expect(Object.keys(users[0]!).sort()).toEqual(['avatarUrl', 'displayName', 'id', 'username']);
  });

  it('honours limit and excludes the caller', async () => {
    expect((await ok(me.socket, 'user:search', { query: tag, limit: 1 })).users).toHaveLength(1);
    const own = await ok(me.socket, 'user:search', { query: me.user.username });
    expect(own.users.some((u) => u.id === me.user.id)).toBe(false);
  });

  it('treats regex characters literally (no injection)', async () => {
    for (const query of ['.*', '^', '[a-z]', '\\', '(?:x)']) {
      expect((await ok(me.socket, 'user:search', { query })).users).toEqual([]);
    }
  });

  it.each([
    ['no query', {}],
    ['limit 0', { query: 'a', limit: 0 }],
    ['limit 51', { query: 'a', limit: 51 }],
    ['a fractional limit', { query: 'a', limit: 1.5 }],
    ['a string limit', { query: 'a', limit: '5' }],
    ['an operator object as query', { query: { $gt: '' } }],
    ['an operator object as limit', { query: 'a', limit: { $gt: 0 } }],
    ['an oversized query', { query: 'x'.repeat(65) }],
    ['an extra field', { query: 'a', all: true }],
    ['a non-object payload', 'a'],
  ])('VALIDATION_FAILED for %s, the socket stays connected', async (_what, payload) => {
    expect(await code(me, 'user:search', payload)).toBe('VALIDATION_FAILED');
  });
});

describe('contacts', () => {
  it('add is idempotent, list carries presence, remove is idempotent', async () => {
    const [a, b, c] = [await user('ca'), await user('cb'), await user('cc')];
    await ok(a.socket, 'contact:add', { userId: b.user.id });
    await ok(a.socket, 'contact:add', { userId: b.user.id });
    await ok(a.socket, 'contact:add', { userId: c.user.id });
    const { contacts } = await ok(a.socket, 'contact:list', {});
    expect(contacts.map((x) => x.id).sort()).toEqual([b.user.id, c.user.id].sort());
    const bee = contacts.find((x) => x.id === b.user.id)!;
    expect(bee).toMatchObject({ username: b.user.username, displayName: b.user.displayName, online: expect.any(Boolean) });
    expect(bee.lastSeenAt === null || typeof bee.lastSeenAt === 'string').toBe(true);
    // Contacts are one-way.
    expect((await ok(b.socket, 'contact:list', {})).contacts).toEqual([]);
    await ok(a.socket, 'contact:remove', { userId: b.user.id });
    await ok(a.socket, 'contact:remove', { userId: b.user.id });
    expect((await ok(a.socket, 'contact:list', {})).contacts.map((x) => x.id)).toEqual([c.user.id]);
  });

  it('yourself is VALIDATION_FAILED, an unknown user NOT_FOUND', async () => {
    const a = await user('cs');
    expect(await code(a, 'contact:add', { userId: a.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'contact:add', { userId: 'nosuchuser0000' })).toBe('NOT_FOUND');
    expect(await code(a, 'contact:remove', { userId: 'nosuchuser0000' })).toBe('NOT_FOUND');
  });

  it.each([
    ['contact:add', {}],
    ['contact:add', { userId: { $gt: '' } }],
    ['contact:add', { userId: 7 }],
    ['contact:add', { userId: 'x'.repeat(65) }],
    ['contact:add', { userId: 'a b' }],
    ['contact:add', { userId: 'abc', extra: 1 }],
    ['contact:remove', { userId: { $ne: null } }],
    ['contact:remove', null],
    ['contact:list', { all: true }],
  ] as const)('%s with %j is VALIDATION_FAILED, the socket stays connected', async (event, payload) => {
    const a = await user('cv');
    expect(await code(a, event, payload)).toBe('VALIDATION_FAILED');
  });
});

describe('user:get (extension)', () => {
  it("answers names by id, with presence only of people the caller shares a conversation with (or has as contacts), adding no contact", async () => {
    const [a, b, stranger] = [await user('ga'), await user('gb'), await user('gs')];
    await ok(a.socket, 'group:create', { name: 'lookup', memberIds: [b.user.id] });
    const ask = () => ok(a.socket, 'user:get', { userIds: [b.user.id, stranger.user.id, 'nosuchuser0000'] });
    let users = (await ask()).users;
    // Presence learns of the new group from its event: wait for it to see b online.
    for (let i = 0; i < 50 && !users.find((u) => u.id === b.user.id)?.online; i++) {
      await new Promise((r) => setTimeout(r, 200));
      users = (await ask()).users;
    }
    expect(users.map((u) => u.id).sort()).toEqual([b.user.id, stranger.user.id].sort());
    expect(users.find((u) => u.id === b.user.id)).toMatchObject({ username: b.user.username, displayName: b.user.displayName, online: true });
    // The stranger is connected too, but a is not in their audience.
    expect(users.find((u) => u.id === stranger.user.id)).toEqual({ ...stranger.user, online: false, lastSeenAt: null });
    expect((await ok(a.socket, 'contact:list', {})).contacts).toEqual([]);
  });

  it('takes 1 to 100 ids: none, more, or a bad id is VALIDATION_FAILED', async () => {
    const a = await user('gv');
    expect(await code(a, 'user:get', { userIds: [] })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'user:get', { userIds: Array.from({ length: 101 }, (_, i) => `user${String(i).padStart(10, '0')}`) })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'user:get', { userIds: [{ $gt: '' }] })).toBe('VALIDATION_FAILED');
  });
});

describe('conversation:direct', () => {
  it('makes the pair conversation on first use, pushes it to both, and answers the same one later without a new push', async () => {
    const [a, b] = [await user('da'), await user('db')];
    const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
    expect(conversation).toMatchObject({ type: 'direct', name: null, lastSeq: 0, lastMessage: null, unread: 0 });
    expect(roles(conversation)).toEqual({ [a.user.id]: 'member', [b.user.id]: 'member' });
    await updated(a, conversation.id);
    await updated(b, conversation.id);
    const again = await ok(b.socket, 'conversation:direct', { userId: a.user.id });
    expect(again.conversation.id).toBe(conversation.id);
    // No second announcement: give a stray push time to arrive, then count.
    await new Promise((r) => setTimeout(r, 1000));
    for (const u of [a, b]) expect(u.pushes.of('conversation:updated').filter((p) => p.conversation.id === conversation.id)).toHaveLength(1);
  });

  it('concurrent first calls from both sides make one conversation', async () => {
    const [a, b] = [await user('dc'), await user('dd')];
    const [x, y] = await Promise.all([ok(a.socket, 'conversation:direct', { userId: b.user.id }), ok(b.socket, 'conversation:direct', { userId: a.user.id })]);
    expect(x.conversation.id).toBe(y.conversation.id);
  });

  it('yourself is VALIDATION_FAILED, an unknown user NOT_FOUND; bad payloads VALIDATION_FAILED', async () => {
    const a = await user('ds');
    expect(await code(a, 'conversation:direct', { userId: a.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'conversation:direct', { userId: 'nosuchuser0000' })).toBe('NOT_FOUND');
    for (const bad of [{}, { userId: { $gt: '' } }, { userId: 1 }, { userId: 'a', x: 1 }, { userId: 'y'.repeat(65) }, []]) {
      expect(await code(a, 'conversation:direct', bad)).toBe('VALIDATION_FAILED');
    }
  });
});

describe('groups', () => {
  /** owner, admin, member and an outsider, with a group of the first three (admin promoted). */
  async function cast() {
    const [owner, admin, member, outsider] = [await user('go'), await user('ga'), await user('gm'), await user('gx')];
    const { conversation } = await ok(owner.socket, 'group:create', { name: 'Team', memberIds: [admin.user.id, member.user.id] });
    await ok(owner.socket, 'group:setRole', { conversationId: conversation.id, userId: admin.user.id, role: 'admin' });
    return { owner, admin, member, outsider, id: conversation.id };
  }

  it('group:create: the caller is owner, duplicates and the caller in memberIds are ignored, every member hears conversation:updated', async () => {
    const [owner, m1, m2] = [await user('co'), await user('c1'), await user('c2')];
    const { conversation } = await ok(owner.socket, 'group:create', { name: '  Friends  ', memberIds: [m1.user.id, m1.user.id, owner.user.id, m2.user.id] });
    expect(conversation).toMatchObject({ type: 'group', name: 'Friends', lastSeq: 0, unread: 0 });
    expect(roles(conversation)).toEqual({ [owner.user.id]: 'owner', [m1.user.id]: 'member', [m2.user.id]: 'member' });
    await Promise.all([owner, m1, m2].map((u) => updated(u, conversation.id)));
    // An empty group is allowed: just the owner.
    const solo = await ok(owner.socket, 'group:create', { name: 'Solo', memberIds: [] });
    expect(roles(solo.conversation)).toEqual({ [owner.user.id]: 'owner' });
  });

  it('group:create refuses unknown members (NOT_FOUND) and bad names or ids (VALIDATION_FAILED)', async () => {
    const owner = await user('cr');
    expect(await code(owner, 'group:create', { name: 'x', memberIds: ['nosuchuser0000'] })).toBe('NOT_FOUND');
    for (const bad of [
      { name: '', memberIds: [] },
      { name: '   ', memberIds: [] },
      { name: 'x'.repeat(65), memberIds: [] },
      { name: { $gt: '' }, memberIds: [] },
      { name: 'x', memberIds: [{ $gt: '' }] },
      { name: 'x', memberIds: 'abc' },
      { name: 'x' },
      { memberIds: [] },
      { name: 'x', memberIds: [], owner: 'me' },
      { name: 'x', memberIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) },
    ]) {
      expect(await code(owner, 'group:create', bad)).toBe('VALIDATION_FAILED');
    }
  });

  it('group:rename: owner and admin may (everyone hears it), member FORBIDDEN, outsider NOT_FOUND', async () => {
    const { owner, admin, member, outsider, id } = await cast();
    expect((await ok(owner.socket, 'group:rename', { conversationId: id, name: 'By owner' })).conversation.name).toBe('By owner');
    expect((await ok(admin.socket, 'group:rename', { conversationId: id, name: 'By admin' })).conversation.name).toBe('By admin');
    await Promise.all([owner, admin, member].map((u) => updated(u, id, (c) => c.name === 'By admin')));
    expect(await code(member, 'group:rename', { conversationId: id, name: 'By member' })).toBe('FORBIDDEN');
    expect(await code(outsider, 'group:rename', { conversationId: id, name: 'By outsider' })).toBe('NOT_FOUND');
    expect(await code(owner, 'group:rename', { conversationId: 'nosuchconv000', name: 'x' })).toBe('NOT_FOUND');
    for (const bad of [{ conversationId: id, name: '' }, { conversationId: id, name: 'x'.repeat(65) }, { conversationId: id }, { conversationId: { $gt: '' }, name: 'x' }, { conversationId: id, name: 5 }]) {
      expect(await code(owner, 'group:rename', bad)).toBe('VALIDATION_FAILED');
    }
    // The fence: adding the outsider pushes them the group, after anything the renames pushed
    // (a conversation's pushes arrive in order). It is the only push they ever had of it.
    await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [outsider.user.id] });
    await updated(outsider, id, (c) => c.members.some((m) => m.userId === outsider.user.id));
    expect(outsider.pushes.of('conversation:updated').filter((p) => p.conversation.id === id).map((p) => p.conversation.name)).toEqual(['By admin']);
  });

  it('group:addMembers: owner and admin may; the added member hears conversation:updated; members present are ignored; member FORBIDDEN; unknown user NOT_FOUND', async () => {
    const { owner, admin, member, outsider, id } = await cast();
    const [n1, n2] = [await user('n1'), await user('n2')];
    const byAdmin = await ok(admin.socket, 'group:addMembers', { conversationId: id, userIds: [n1.user.id, member.user.id] });
    expect(roles(byAdmin.conversation)[n1.user.id]).toBe('member');
    await updated(n1, id, (c) => c.members.some((m) => m.userId === n1.user.id));
    await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [n2.user.id] });
    await updated(n2, id);
    expect(await code(member, 'group:addMembers', { conversationId: id, userIds: [outsider.user.id] })).toBe('FORBIDDEN');
    expect(await code(outsider, 'group:addMembers', { conversationId: id, userIds: [outsider.user.id] })).toBe('NOT_FOUND');
    expect(await code(owner, 'group:addMembers', { conversationId: id, userIds: ['nosuchuser0000'] })).toBe('NOT_FOUND');
    for (const bad of [{ conversationId: id, userIds: [] }, { conversationId: id, userIds: [{ $gt: '' }] }, { conversationId: id, userIds: 'x' }, { conversationId: id }]) {
      expect(await code(owner, 'group:addMembers', bad)).toBe('VALIDATION_FAILED');
    }
    // Re-adding present members changes nothing.
    const same = await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [member.user.id, n1.user.id] });
    expect(Object.keys(roles(same.conversation))).toHaveLength(5);
  });

  it('group:removeMember: admin removes a member, owner removes an admin; the removed hear conversation:removed "removed"', async () => {
    const { owner, admin, member, id } = await cast();
    await ok(admin.socket, 'group:removeMember', { conversationId: id, userId: member.user.id });
    expect(await member.pushes.waitFor('conversation:removed', (p) => p.conversationId === id)).toEqual({ conversationId: id, reason: 'removed' });
    const after = await ok(owner.socket, 'group:removeMember', { conversationId: id, userId: admin.user.id });
    expect(roles(after.conversation)).toEqual({ [owner.user.id]: 'owner' });
    expect(await admin.pushes.waitFor('conversation:removed', (p) => p.conversationId === id)).toEqual({ conversationId: id, reason: 'removed' });
    // Gone means gone: the removed member is now an outsider.
    expect(await code(member, 'group:rename', { conversationId: id, name: 'x' })).toBe('NOT_FOUND');
  });

  it('group:removeMember refusals: member FORBIDDEN, admin on admin FORBIDDEN, anyone on the owner FORBIDDEN, yourself VALIDATION_FAILED, non-member target NOT_FOUND', async () => {
    const { owner, admin, member, outsider, id } = await cast();
    const admin2 = await user('a2');
    await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [admin2.user.id] });
    await ok(owner.socket, 'group:setRole', { conversationId: id, userId: admin2.user.id, role: 'admin' });
    expect(await code(member, 'group:removeMember', { conversationId: id, userId: admin.user.id })).toBe('FORBIDDEN');
    expect(await code(admin, 'group:removeMember', { conversationId: id, userId: admin2.user.id })).toBe('FORBIDDEN');
    expect(await code(admin, 'group:removeMember', { conversationId: id, userId: owner.user.id })).toBe('FORBIDDEN');
    expect(await code(admin, 'group:removeMember', { conversationId: id, userId: admin.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(owner, 'group:removeMember', { conversationId: id, userId: owner.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(owner, 'group:removeMember', { conversationId: id, userId: outsider.user.id })).toBe('NOT_FOUND');
    expect(await code(outsider, 'group:removeMember', { conversationId: id, userId: member.user.id })).toBe('NOT_FOUND');
    expect(await code(owner, 'group:removeMember', { conversationId: id, userId: { $gt: '' } })).toBe('VALIDATION_FAILED');
  });

  it('group:setRole: only the owner, not on the owner; the change is pushed', async () => {
    const { owner, admin, member, outsider, id } = await cast();
    const promoted = await ok(owner.socket, 'group:setRole', { conversationId: id, userId: member.user.id, role: 'admin' });
    expect(roles(promoted.conversation)[member.user.id]).toBe('admin');
    await updated(member, id, (c) => roles(c)[member.user.id] === 'admin');
    const demoted = await ok(owner.socket, 'group:setRole', { conversationId: id, userId: member.user.id, role: 'member' });
    expect(roles(demoted.conversation)[member.user.id]).toBe('member');
    expect(await code(admin, 'group:setRole', { conversationId: id, userId: member.user.id, role: 'admin' })).toBe('FORBIDDEN');
    expect(await code(member, 'group:setRole', { conversationId: id, userId: admin.user.id, role: 'member' })).toBe('FORBIDDEN');
    expect(await code(owner, 'group:setRole', { conversationId: id, userId: owner.user.id, role: 'admin' })).toBe('FORBIDDEN');
    expect(await code(owner, 'group:setRole', { conversationId: id, userId: outsider.user.id, role: 'admin' })).toBe('NOT_FOUND');
    expect(await code(outsider, 'group:setRole', { conversationId: id, userId: member.user.id, role: 'admin' })).toBe('NOT_FOUND');
    for (const role of ['owner', 'root', { $gt: '' }, 1]) {
      expect(await code(owner, 'group:setRole', { conversationId: id, userId: member.user.id, role })).toBe('VALIDATION_FAILED');
    }
  });

  it('group:leave: a member leaves (hears "left", the others the new membership); the owner leaving hands ownership to the longest-standing admin', async () => {
    const { owner, admin, member, id } = await cast();
    const late = await user('late');
    await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [late.user.id] });
    await ok(owner.socket, 'group:setRole', { conversationId: id, userId: late.user.id, role: 'admin' });
    expect(await ok(member.socket, 'group:leave', { conversationId: id })).toEqual({});
    expect(await member.pushes.waitFor('conversation:removed', (p) => p.conversationId === id)).toEqual({ conversationId: id, reason: 'left' });
    await updated(owner, id, (c) => !c.members.some((m) => m.userId === member.user.id));
    await ok(owner.socket, 'group:leave', { conversationId: id });
    const after = await updated(admin, id, (c) => !c.members.some((m) => m.userId === owner.user.id));
    expect(roles(after.conversation)).toEqual({ [admin.user.id]: 'owner', [late.user.id]: 'admin' });
    // The new owner has the owner's powers.
    await ok(admin.socket, 'group:setRole', { conversationId: id, userId: late.user.id, role: 'member' });
  });

  it('group:leave: with no admin, ownership goes to the longest-standing member; the last one out deletes the group', async () => {
    const [owner, first, second] = [await user('lo'), await user('l1'), await user('l2')];
    const { conversation } = await ok(owner.socket, 'group:create', { name: 'G', memberIds: [first.user.id] });
    const id = conversation.id;
    await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [second.user.id] });
    await ok(owner.socket, 'group:leave', { conversationId: id });
    const after = await updated(first, id, (c) => !c.members.some((m) => m.userId === owner.user.id));
    expect(roles(after.conversation)).toEqual({ [first.user.id]: 'owner', [second.user.id]: 'member' });
    await ok(second.socket, 'group:leave', { conversationId: id });
    await ok(first.socket, 'group:leave', { conversationId: id });
    await first.pushes.waitFor('conversation:removed', (p) => p.conversationId === id);
    expect(await code(first, 'group:leave', { conversationId: id })).toBe('NOT_FOUND');
    expect(await code(owner, 'group:rename', { conversationId: id, name: 'x' })).toBe('NOT_FOUND');
  });

  it('group:delete: only the owner; every member hears conversation:removed "deleted"', async () => {
    const { owner, admin, member, outsider, id } = await cast();
    expect(await code(admin, 'group:delete', { conversationId: id })).toBe('FORBIDDEN');
    expect(await code(member, 'group:delete', { conversationId: id })).toBe('FORBIDDEN');
    expect(await code(outsider, 'group:delete', { conversationId: id })).toBe('NOT_FOUND');
    expect(await ok(owner.socket, 'group:delete', { conversationId: id })).toEqual({});
    for (const u of [owner, admin, member]) {
      expect(await u.pushes.waitFor('conversation:removed', (p) => p.conversationId === id)).toEqual({ conversationId: id, reason: 'deleted' });
    }
    expect(await code(owner, 'group:rename', { conversationId: id, name: 'again' })).toBe('NOT_FOUND');
    await outsider.pushes.expectNone('conversation:removed', (p) => p.conversationId === id, 300);
  });

  it('group:* on a direct conversation is VALIDATION_FAILED; a non-member of it gets NOT_FOUND', async () => {
    const [a, b, c] = [await user('ga'), await user('gb'), await user('gc')];
    const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
    const id = conversation.id;
    expect(await code(a, 'group:rename', { conversationId: id, name: 'x' })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'group:addMembers', { conversationId: id, userIds: [c.user.id] })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'group:removeMember', { conversationId: id, userId: b.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'group:setRole', { conversationId: id, userId: b.user.id, role: 'admin' })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'group:leave', { conversationId: id })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'group:delete', { conversationId: id })).toBe('VALIDATION_FAILED');
    expect(await code(c, 'group:rename', { conversationId: id, name: 'x' })).toBe('NOT_FOUND');
  });

  it.each(['group:leave', 'group:delete'] as const)('%s with bad payloads is VALIDATION_FAILED', async (event) => {
    const a = await user('bp');
    for (const bad of [{}, { conversationId: { $gt: '' } }, { conversationId: 3 }, { conversationId: 'x', extra: true }, 'x', null]) {
      expect(await code(a, event, bad)).toBe('VALIDATION_FAILED');
    }
  });

  it('concurrent changes to one group are all applied (optimistic versions, no lost update)', async () => {
    const { owner, admin, id } = await cast();
    const extra = await Promise.all([0, 1, 2, 3].map(() => user('cx')));
    await Promise.all([
      ...extra.map((u, i) => ok(i % 2 ? owner.socket : admin.socket, 'group:addMembers', { conversationId: id, userIds: [u.user.id] })),
      ok(owner.socket, 'group:rename', { conversationId: id, name: 'Busy' }),
    ]);
    const last = await ok(owner.socket, 'group:rename', { conversationId: id, name: 'Settled' });
    expect(Object.keys(roles(last.conversation))).toHaveLength(3 + extra.length);
  });
});
