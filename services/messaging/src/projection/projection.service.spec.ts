import type { Conversation } from '@chat/contracts';
import { CurrentTimelines } from '../store/current-timelines';
import { changedEvent, FakeBlocks, FakeConversations, FakeMedia, FakeMessages, FakePublisher, FakeTimelines, FakeUsers, tickingClock } from '../testing/fakes';
import { ProjectionService } from './projection.service';

function setup() {
  const conversations = new FakeConversations();
  const timelines = new FakeTimelines();
  const pushes = new FakePublisher();
  const current = new CurrentTimelines(timelines as never, new FakeMessages() as never);
  const projection = new ProjectionService(conversations as never, current, pushes as never, new FakeBlocks() as never, new FakeUsers() as never, new FakeMedia() as never);
  projection.now = tickingClock();
  return { conversations, timelines, pushes, projection };
}

const trio = [{ userId: 'olga', role: 'owner' as const }, { userId: 'adam', role: 'admin' as const }, { userId: 'mia' }];

describe('ProjectionService', () => {
  it('projects a new conversation, notifies its owner partition and pushes conversation:updated to every member', async () => {
    const env = setup();
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group', name: 'team' }));
    expect(env.conversations.docs.get('g1')).toMatchObject({ type: 'group', name: 'team', version: 1, memberIds: ['olga', 'adam', 'mia'], deleted: false });
    expect(env.pushes.projections).toEqual([{ conversationId: 'g1', version: 1 }]);
    const updated = env.pushes.of('conversation:updated');
    expect(updated).toHaveLength(1); // one view: nobody has unread yet
    expect(updated[0]!.userIds).toEqual(['olga', 'adam', 'mia']);
    expect((updated[0]!.data as { conversation: Conversation }).conversation).toMatchObject({
      id: 'g1',
      name: 'team',
      lastSeq: 0,
      lastMessage: null,
      unread: 0,
      members: [
        { userId: 'olga', role: 'owner' },
        { userId: 'adam', role: 'admin' },
        { userId: 'mia', role: 'member' },
      ],
    });
  });

  it('ignores an older version and, for the same version (a redelivery), writes nothing but announces again', async () => {
    const env = setup();
    await env.projection.changed(changedEvent('g1', 2, trio, { type: 'group', name: 'v2' }));
    env.pushes.clear();
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group', name: 'v1' }));
    expect(env.conversations.docs.get('g1')!.name).toBe('v2');
    expect(env.pushes.deliveries).toEqual([]);
    await env.projection.changed(changedEvent('g1', 2, trio, { type: 'group', name: 'v2' }));
    expect(env.pushes.of('conversation:updated')).toHaveLength(1);
  });

  it('gives each member their own unread, and starts a new member at the current lastSeq', async () => {
    const env = setup();
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group' }));
    // Five messages, two of them mia's, then mia read up to 3.
    env.timelines.docs.set('g1', {
      _id: 'g1',
      lastSeq: 5,
      lastMessage: null,
      lastAt: null,
      sent: { olga: 3, mia: 2 },
      reads: { mia: { seq: 3, own: 1, joinedAt: '2030-01-01T00:00:00.000Z' } },
      mentioned: {},
      muted: {},
    });
    env.pushes.clear();
    await env.projection.changed(changedEvent('g1', 2, [...trio, { userId: 'neo', joinedAt: '2030-05-01T00:00:00.000Z' }], { type: 'group' }));
    const unread = (user: string) => env.pushes.to<{ conversation: Conversation }>(user, 'conversation:updated')[0]!.conversation.unread;
    expect(unread('olga')).toBe(2); // mia's two
    expect(unread('adam')).toBe(5);
    expect(unread('mia')).toBe(1); // seq 4 and 5, one of them hers
    expect(unread('neo')).toBe(0);
    expect(env.conversations.docs.get('g1')!.members.find((m) => m.userId === 'neo')).toMatchObject({ joinSeq: 5, joinOwn: 0 });
    // Existing members keep where they started.
    expect(env.conversations.docs.get('g1')!.members.find((m) => m.userId === 'mia')).toMatchObject({ joinSeq: 0 });
  });

  it('pushes conversation:removed with its reason to whoever lost the conversation, and nothing else to them', async () => {
    const env = setup();
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group' }));
    env.pushes.clear();
    await env.projection.changed(
      changedEvent('g1', 2, [trio[0]!, trio[1]!], { type: 'group', change: 'member_removed', removed: [{ userId: 'mia', reason: 'removed' }] }),
    );
    expect(env.pushes.to('mia', 'conversation:removed')).toEqual([{ conversationId: 'g1', reason: 'removed' }]);
    expect(env.pushes.to('mia', 'conversation:updated')).toEqual([]);
    expect(env.pushes.to('olga', 'conversation:updated')).toHaveLength(1);
    expect(env.conversations.docs.get('g1')!.memberIds).toEqual(['olga', 'adam']);
  });

  it('a member who left and came back (a new joinedAt) starts reading anew', async () => {
    const env = setup();
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group' }));
    env.timelines.docs.set('g1', { _id: 'g1', lastSeq: 7, lastMessage: null, lastAt: null, sent: { mia: 4 }, reads: {}, mentioned: {}, muted: {} });
    await env.projection.changed(changedEvent('g1', 2, [trio[0]!, trio[1]!], { type: 'group', removed: [{ userId: 'mia', reason: 'left' }] }));
    await env.projection.changed(changedEvent('g1', 3, [...trio.slice(0, 2), { userId: 'mia', joinedAt: '2030-06-01T00:00:00.000Z' }], { type: 'group' }));
    expect(env.conversations.docs.get('g1')!.members.find((m) => m.userId === 'mia')).toMatchObject({ joinSeq: 7, joinOwn: 4 });
  });

  it('on deletion empties the membership, keeps the version and tells every former member', async () => {
    const env = setup();
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group' }));
    env.pushes.clear();
    await env.projection.deleted({ conversationId: 'g1', memberIds: ['olga', 'adam', 'mia'], actorId: 'olga', version: 2 });
    expect(env.conversations.docs.get('g1')).toMatchObject({ deleted: true, members: [], memberIds: [], version: 2 });
    expect(env.pushes.of('conversation:removed')).toEqual([
      { userIds: ['olga', 'adam', 'mia'], event: 'conversation:removed', data: { conversationId: 'g1', reason: 'deleted' } },
    ]);
    expect(env.pushes.projections).toEqual([{ conversationId: 'g1', version: 2 }]);
    // A late change of an older version does not bring it back.
    await env.projection.changed(changedEvent('g1', 1, trio, { type: 'group' }));
    expect(env.conversations.docs.get('g1')!.deleted).toBe(true);
  });
});
