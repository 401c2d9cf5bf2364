import { ChatError } from '@chat/contracts';
import type { ConversationCore } from '@chat/contracts/bus';
import { UsersPublisher } from '../publisher/users.publisher';
import { FakeBlocks, FakeBus, FakeConversationsRepository, FakeUsers } from '../testing/fakes';
import { ConversationsService } from './conversations.service';

const USERS = ['owner', 'admin1', 'admin2', 'm1', 'm2', 'm3', 'outsider'];

function setup() {
  const repo = new FakeConversationsRepository();
  const bus = new FakeBus();
  let t = Date.parse('2026-01-01T00:00:00.000Z');
  // Every call of the clock is a millisecond later: joinedAt orders members.
  const blocks = new FakeBlocks();
  const svc = new ConversationsService(repo as never, new FakeUsers(new Set(USERS)) as never, blocks as never, new UsersPublisher(bus as never));
  svc.now = () => new Date(t++);
  return { repo, bus, svc, blocks };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof ChatError) return err.code;
    throw err;
  }
}

const role = (c: ConversationCore, userId: string) => c.members.find((m) => m.userId === userId)?.role;

/** owner; admin1, admin2 (admins); m1, m2 (members). */
async function group(svc: ConversationsService) {
  const g = await svc.createGroup('owner', 'team', ['admin1', 'admin2', 'm1', 'm2'], 'req-1');
  await svc.setRole('owner', g.id, 'admin1', 'admin');
  await svc.setRole('owner', g.id, 'admin2', 'admin');
  return g.id;
}

describe('ConversationsService: direct conversations', () => {
  it('makes the pair conversation once, announces it once, and answers the same one to either side later', async () => {
    const { svc, bus } = setup();
    const first = await svc.direct('m1', 'm2');
    expect(first).toMatchObject({ type: 'direct', name: null, version: 1 });
    expect(first.members.map((m) => [m.userId, m.role])).toEqual([
      ['m1', 'member'],
      ['m2', 'member'],
    ]);
    const again = await svc.direct('m2', 'm1');
    expect(again.id).toBe(first.id);
    const changed = bus.of('conversation.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ change: 'created', actorId: 'm1', conversation: { id: first.id, version: 1 } });
  });

  it('refuses yourself as the peer (VALIDATION_FAILED) and an unknown peer (NOT_FOUND)', async () => {
    const { svc, bus } = setup();
    expect(await code(svc.direct('m1', 'm1'))).toBe('VALIDATION_FAILED');
    expect(await code(svc.direct('m1', 'ghost'))).toBe('NOT_FOUND');
    expect(bus.events).toHaveLength(0);
  });

  it('refuses a direct conversation, a group with or an addition of a user who blocks the caller (FORBIDDEN), not the other way', async () => {
    const { svc, blocks } = setup();
    blocks.pairs.add('m1:m2');
    await svc.direct('m1', 'm2');
    expect(await code(svc.direct('m2', 'm1'))).toBe('FORBIDDEN');
    expect(await code(svc.createGroup('m2', 'g', ['m1'], 'r1'))).toBe('FORBIDDEN');
    const g = await svc.createGroup('m2', 'g', ['m3'], 'r2');
    expect(await code(svc.addMembers('m2', g.id, ['m1']))).toBe('FORBIDDEN');
    expect(await code(svc.createGroup('m1', 'g', ['m2'], 'r3'))).toBe('ok');
  });

  it('sends the created event on the next call when the first one failed to send it', async () => {
    const { svc, bus, repo } = setup();
    bus.failNext = 1;
    await expect(svc.direct('m1', 'm2')).rejects.toThrow(/broker away/);
    expect(bus.events).toHaveLength(0);
    const retried = await svc.direct('m1', 'm2');
    expect(bus.of('conversation.changed')).toHaveLength(1);
    expect(repo.docs.get(retried.id)!.publishedVersion).toBe(1);
    await svc.direct('m2', 'm1');
    expect(bus.of('conversation.changed')).toHaveLength(1);
  });

  it('group commands on a direct conversation are VALIDATION_FAILED; a non-member gets NOT_FOUND', async () => {
    const { svc } = setup();
    const d = await svc.direct('m1', 'm2');
    expect(await code(svc.rename('m1', d.id, 'x'))).toBe('VALIDATION_FAILED');
    expect(await code(svc.leave('m1', d.id))).toBe('VALIDATION_FAILED');
    expect(await code(svc.addMembers('m1', d.id, ['m3']))).toBe('VALIDATION_FAILED');
    expect(await code(svc.rename('outsider', d.id, 'x'))).toBe('NOT_FOUND');
  });
});

describe('ConversationsService: group rules (protocol "who may")', () => {
  it('create: the caller is owner, duplicates and the caller in memberIds are ignored, unknown ids are NOT_FOUND', async () => {
    const { svc, bus } = setup();
    const g = await svc.createGroup('owner', 'team', ['m1', 'm1', 'owner', 'm2'], 'req');
    expect(g.members.map((m) => [m.userId, m.role])).toEqual([
      ['owner', 'owner'],
      ['m1', 'member'],
      ['m2', 'member'],
    ]);
    expect(bus.of('conversation.changed')[0]).toMatchObject({ change: 'created', conversation: { id: g.id, name: 'team' } });
    expect(await code(svc.createGroup('owner', 'x', ['ghost'], 'req-2'))).toBe('NOT_FOUND');
  });

  it('create is idempotent per command: a redelivered command answers the group it made', async () => {
    const { svc, repo } = setup();
    const a = await svc.createGroup('owner', 'team', ['m1'], 'same-envelope');
    const b = await svc.createGroup('owner', 'team', ['m1'], 'same-envelope');
    expect(b.id).toBe(a.id);
    expect(repo.docs.size).toBe(1);
  });

  it('rename: owner and admin may, member may not', async () => {
    const { svc, bus } = setup();
    const id = await group(svc);
    expect((await svc.rename('owner', id, 'by owner')).name).toBe('by owner');
    expect((await svc.rename('admin1', id, 'by admin')).name).toBe('by admin');
    expect(await code(svc.rename('m1', id, 'by member'))).toBe('FORBIDDEN');
    expect(await code(svc.rename('outsider', id, 'x'))).toBe('NOT_FOUND');
    expect(bus.of('conversation.changed').filter((e) => e.change === 'renamed').map((e) => e.conversation.name)).toEqual(['by owner', 'by admin']);
  });

  it('addMembers: owner and admin may, member may not; present members are ignored; unknown users NOT_FOUND', async () => {
    const { svc, bus } = setup();
    const id = await group(svc);
    const c = await svc.addMembers('admin1', id, ['m3', 'm1', 'm3']);
    expect(c.members.map((m) => m.userId)).toEqual(['owner', 'admin1', 'admin2', 'm1', 'm2', 'm3']);
    expect(role(c, 'm3')).toBe('member');
    expect(await code(svc.addMembers('m1', id, ['outsider']))).toBe('FORBIDDEN');
    expect(await code(svc.addMembers('owner', id, ['ghost']))).toBe('NOT_FOUND');
    const before = bus.events.length;
    const same = await svc.addMembers('owner', id, ['m1', 'm3']);
    expect(same.version).toBe(c.version);
    expect(bus.events.length).toBe(before);
  });

  it('removeMember: an admin removes members only, the owner removes admins and members, nobody removes the owner, nobody removes themselves', async () => {
    const { svc, bus } = setup();
    const id = await group(svc);
    expect(await code(svc.removeMember('m1', id, 'm2'))).toBe('FORBIDDEN');
    expect(await code(svc.removeMember('admin1', id, 'admin2'))).toBe('FORBIDDEN');
    expect(await code(svc.removeMember('admin1', id, 'owner'))).toBe('FORBIDDEN');
    expect(await code(svc.removeMember('admin1', id, 'admin1'))).toBe('VALIDATION_FAILED');
    expect(await code(svc.removeMember('owner', id, 'owner'))).toBe('VALIDATION_FAILED');
    expect(await code(svc.removeMember('owner', id, 'outsider'))).toBe('NOT_FOUND');
    const c1 = await svc.removeMember('admin1', id, 'm1');
    expect(c1.members.some((m) => m.userId === 'm1')).toBe(false);
    const c2 = await svc.removeMember('owner', id, 'admin2');
    expect(c2.members.some((m) => m.userId === 'admin2')).toBe(false);
    const removed = bus.of('conversation.changed').filter((e) => e.change === 'member_removed');
    expect(removed.map((e) => e.removed)).toEqual([[{ userId: 'm1', reason: 'removed' }], [{ userId: 'admin2', reason: 'removed' }]]);
    // The removed member no longer sees it.
    expect(await code(svc.rename('m1', id, 'x'))).toBe('NOT_FOUND');
  });

  it('setRole: only the owner, never on the owner', async () => {
    const { svc } = setup();
    const id = await group(svc);
    expect(await code(svc.setRole('admin1', id, 'm1', 'admin'))).toBe('FORBIDDEN');
    expect(await code(svc.setRole('m1', id, 'm2', 'admin'))).toBe('FORBIDDEN');
    expect(await code(svc.setRole('owner', id, 'owner', 'member'))).toBe('FORBIDDEN');
    expect(await code(svc.setRole('owner', id, 'outsider', 'admin'))).toBe('NOT_FOUND');
    expect(role(await svc.setRole('owner', id, 'm1', 'admin'), 'm1')).toBe('admin');
    expect(role(await svc.setRole('owner', id, 'admin1', 'member'), 'admin1')).toBe('member');
  });

  it('leave: a member leaves; the owner hands ownership to the longest-standing admin', async () => {
    const { svc, bus } = setup();
    const id = await group(svc);
    await svc.leave('m1', id);
    expect(bus.of('conversation.changed').at(-1)).toMatchObject({ change: 'member_left', removed: [{ userId: 'm1', reason: 'left' }] });
    // admin2 becomes an admin later than admin1... but make admin2 the longer-standing admin by re-adding admin1.
    await svc.removeMember('owner', id, 'admin1');
    await svc.addMembers('owner', id, ['admin1']);
    await svc.setRole('owner', id, 'admin1', 'admin');
    await svc.leave('owner', id);
    const last = bus.of('conversation.changed').at(-1)!;
    expect(last).toMatchObject({ change: 'owner_changed', removed: [{ userId: 'owner', reason: 'left' }] });
    expect(role(last.conversation, 'admin2')).toBe('owner');
    expect(role(last.conversation, 'admin1')).toBe('admin');
    expect(last.conversation.members.filter((m) => m.role === 'owner')).toHaveLength(1);
  });

  it('leave: with no admin, ownership goes to the longest-standing member', async () => {
    const { svc, bus } = setup();
    const g = await svc.createGroup('owner', 'team', ['m2'], 'r');
    await svc.addMembers('owner', g.id, ['m1']);
    await svc.leave('owner', g.id);
    const last = bus.of('conversation.changed').at(-1)!;
    expect(role(last.conversation, 'm2')).toBe('owner');
    expect(role(last.conversation, 'm1')).toBe('member');
  });

  it('leave: the last one out deletes the group', async () => {
    const { svc, bus, repo } = setup();
    const g = await svc.createGroup('owner', 'solo', [], 'r');
    await svc.leave('owner', g.id);
    expect(bus.of('conversation.deleted')).toEqual([{ conversationId: g.id, memberIds: ['owner'], actorId: 'owner', version: 2 }]);
    expect(repo.docs.size).toBe(0);
    expect(await code(svc.leave('owner', g.id))).toBe('NOT_FOUND');
  });

  it('delete: only the owner; members hear conversation.deleted with every member listed', async () => {
    const { svc, bus, repo } = setup();
    const id = await group(svc);
    expect(await code(svc.deleteGroup('admin1', id))).toBe('FORBIDDEN');
    expect(await code(svc.deleteGroup('m1', id))).toBe('FORBIDDEN');
    expect(await code(svc.deleteGroup('outsider', id))).toBe('NOT_FOUND');
    await svc.deleteGroup('owner', id);
    const [deleted] = bus.of('conversation.deleted');
    expect(deleted!.memberIds.sort()).toEqual(['admin1', 'admin2', 'm1', 'm2', 'owner']);
    expect(repo.docs.has(id)).toBe(false);
  });
});

describe('ConversationsService: versions and events', () => {
  it('every change bumps the version by one and its event carries the full state at that version', async () => {
    const { svc, bus } = setup();
    const id = await group(svc);
    await svc.rename('owner', id, 'n2');
    await svc.addMembers('owner', id, ['m3']);
    const versions = bus.of('conversation.changed').map((e) => e.conversation.version);
    expect(versions).toEqual([1, 2, 3, 4, 5]);
    const last = bus.of('conversation.changed').at(-1)!.conversation;
    expect(last).toMatchObject({ id, name: 'n2' });
    expect(last.members).toHaveLength(6);
  });

  it('a concurrent change is not lost: the write conditioned on the old version retries on the new state', async () => {
    const { svc, repo } = setup();
    const id = await group(svc);
    repo.beforeReplace = (doc) => {
      // Someone else renamed it between our read and our write.
      repo.docs.set(id, { ...doc, name: 'theirs', version: doc.version + 1, publishedVersion: doc.version + 1 });
    };
    const c = await svc.addMembers('owner', id, ['m3']);
    expect(c.name).toBe('theirs');
    expect(c.members.some((m) => m.userId === 'm3')).toBe(true);
    expect(c.version).toBe(5);
  });

  it('a rule check reruns on the fresh state: demoted between read and write means FORBIDDEN', async () => {
    const { svc, repo } = setup();
    const id = await group(svc);
    repo.beforeReplace = (doc) => {
      repo.docs.set(id, {
        ...doc,
        members: doc.members.map((m) => (m.userId === 'admin1' ? { ...m, role: 'member' } : m)),
        version: doc.version + 1,
        publishedVersion: doc.version + 1,
      });
    };
    expect(await code(svc.rename('admin1', id, 'late'))).toBe('FORBIDDEN');
  });

  it('an event that failed to go out is sent before the next change of the same group', async () => {
    const { svc, bus } = setup();
    const id = await group(svc);
    bus.failNext = 1;
    await expect(svc.rename('owner', id, 'n2')).rejects.toThrow();
    await svc.rename('owner', id, 'n3');
    expect(bus.of('conversation.changed').slice(-2).map((e) => [e.change, e.conversation.name, e.conversation.version])).toEqual([
      ['renamed', 'n2', 4],
      ['renamed', 'n3', 5],
    ]);
  });
});
