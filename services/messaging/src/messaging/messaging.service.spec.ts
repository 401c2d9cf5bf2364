import { ConfigService } from '@nestjs/config';
import type { Env as MessagingEnv } from '../config';
import { ChatError, type Conversation, type Message } from '@chat/contracts';
import { MAX_PAYLOAD_BYTES } from '@chat/contracts/bus';
import { ProjectionService } from '../projection/projection.service';
import { CurrentTimelines } from '../store/current-timelines';
import { changedEvent, FakeBlocks, FakeConversations, FakeMedia, FakeMessages, FakePublisher, FakeTimelines, FakeUsers, tickingClock } from '../testing/fakes';
import { MessagingService, type Origin } from './messaging.service';

const at: Origin = { partition: 0 };
const METRICS = { histogram: () => ({ observe: () => undefined }), counter: () => ({ inc: () => undefined }), gauge: () => undefined };

function setup(opts: { getWaitMs?: number } = {}) {
  const conversations = new FakeConversations();
  const timelines = new FakeTimelines();
  const messages = new FakeMessages();
  const pushes = new FakePublisher();
  const users = new FakeUsers();
  const now = tickingClock();
  const config = new ConfigService<MessagingEnv, true>({ CONVERSATION_WAIT_MS: opts.getWaitMs ?? 200 });
  const blocks = new FakeBlocks();
  const media = new FakeMedia();
  const current = new CurrentTimelines(timelines as never, messages as never);
  const service = new MessagingService(conversations as never, timelines as never, messages as never, pushes as never, blocks as never, config, METRICS as never, users as never, media as never, current);
  Object.assign(service.opts, { now, getPollMs: 5 });
  const projection = new ProjectionService(conversations as never, current, pushes as never, blocks as never, users as never, media as never);
  projection.now = now;
  return { conversations, timelines, messages, pushes, users, service, projection, blocks, media };
}

type Env = ReturnType<typeof setup>;

/** The timeline as every reader sees it: the stored checkpoint advanced over the messages above it. */
const timelineOf = async (env: Env, id: string) => (await new CurrentTimelines(env.timelines as never, env.messages as never).find(id)).current;

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ChatError) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** A direct conversation c1 of alice and bob, and a group g1 (owner, admin, member). */
async function withConversations(env: Env) {
  await env.projection.changed(changedEvent('c1', 1, [{ userId: 'alice' }, { userId: 'bob' }], { type: 'direct' }));
  await env.projection.changed(
    changedEvent('g1', 1, [{ userId: 'olga', role: 'owner' }, { userId: 'adam', role: 'admin' }, { userId: 'mia' }], { type: 'group', name: 'team' }),
  );
  env.pushes.clear();
}

const send = (env: Env, actorId: string, conversationId: string, text: string, clientMsgId = `${actorId}-${text}`) =>
  env.service.send({ actorId, conversationId, text, clientMsgId }, at).then((r) => r.message);

describe('messages.send', () => {
  it('gives each message the next seq, stores it, pushes message:new to every member, and the timeline follows', async () => {
    const env = setup();
    await withConversations(env);
    const m1 = await send(env, 'alice', 'c1', 'hello');
    const m2 = await send(env, 'bob', 'c1', 'hi');
    const m3 = await send(env, 'alice', 'c1', 'how are you');
    expect([m1.seq, m2.seq, m3.seq]).toEqual([1, 2, 3]);
    expect(m1).toMatchObject({ id: 'c1-1', conversationId: 'c1', senderId: 'alice', text: 'hello', clientMsgId: 'alice-hello', editedAt: null, deletedAt: null });
    expect(env.messages.docs.size).toBe(3);
    for (const user of ['alice', 'bob']) {
      expect(env.pushes.to<{ message: Message }>(user, 'message:new').map((d) => d.message.seq)).toEqual([1, 2, 3]);
    }
    expect(env.pushes.deliveries.every((d) => d.key === 'c1' && typeof d.sentAtMs === 'number')).toBe(true);
    // No timeline write per message: readers derive the state from the messages above the checkpoint.
    expect(env.timelines.writes).toBe(0);
    expect(await timelineOf(env, 'c1')).toMatchObject({ lastSeq: 3, sent: { alice: 2, bob: 1 } });
    expect((await timelineOf(env, 'c1')).lastMessage!._id).toBe('c1-3');
  });

  it('refuses a send into a direct conversation whose peer blocks the sender (FORBIDDEN), not the blocker nor a group', async () => {
    const env = setup();
    await withConversations(env);
    await env.projection.blockChanged({ blockerId: 'alice', blockedId: 'bob', blocked: true });
    await env.projection.blockChanged({ blockerId: 'olga', blockedId: 'mia', blocked: true });
    expect(await refusal(send(env, 'bob', 'c1', 'hi'))).toBe('FORBIDDEN');
    expect((await send(env, 'alice', 'c1', 'hello')).seq).toBe(1);
    expect((await send(env, 'mia', 'g1', 'still here')).seq).toBe(1);
    // The owner caches the answer: the next refusal costs no read.
    const reads = env.blocks.reads;
    expect(await refusal(send(env, 'bob', 'c1', 'again'))).toBe('FORBIDDEN');
    expect(env.blocks.reads).toBe(reads);
    env.pushes.projections.length = 0;
    await env.projection.blockChanged({ blockerId: 'alice', blockedId: 'bob', blocked: false });
    // The unblock tells the owner of the pair's conversation (and only it) to read it again.
    expect(env.pushes.projections.map((p) => p.conversationId)).toEqual(['c1']);
    for (const p of env.pushes.projections) env.service.projected(p.conversationId);
    expect((await send(env, 'bob', 'c1', 'hi')).seq).toBe(2);
  });

  it('answers as soon as the message is stored, with its push already queued', async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'alice', 'c1', 'first');
    const seen: { pushed: number; stored: number }[] = [];
    const done = await env.service.send({ actorId: 'bob', conversationId: 'c1', text: 'second', clientMsgId: 'b-2' }, at, (reply) => {
      expect(reply.message.seq).toBe(2);
      seen.push({ pushed: env.pushes.of('message:new').length, stored: env.messages.docs.size });
    });
    expect(seen).toEqual([{ pushed: 2, stored: 2 }]);
    expect(done.message.seq).toBe(2);
    expect(await timelineOf(env, 'c1')).toMatchObject({ lastSeq: 2 });
  });

  it('reads nothing while it owns the conversation, and writes its checkpoint every maxMessages messages, not per message', async () => {
    const env = setup();
    env.service.unwritten.policy = { maxMessages: 4, maxAgeMs: 60_000 };
    await withConversations(env);
    await send(env, 'alice', 'c1', 'warm the cache');
    const reads = env.conversations.reads;
    for (let i = 0; i < 8; i++) await send(env, 'alice', 'c1', `m${i}`);
    expect(env.conversations.reads).toBe(reads);
    expect(env.messages.inserts).toBe(9);
    // After the 4th and the 8th message: the checkpoint holds seq 8, the 9th lies above it.
    await new Promise((r) => setImmediate(r));
    expect(env.timelines.writes).toBe(2);
    expect(env.timelines.docs.get('c1')).toMatchObject({ lastSeq: 8, sent: { alice: 8 } });
    expect(await timelineOf(env, 'c1')).toMatchObject({ lastSeq: 9, sent: { alice: 9 } });
  });

  it('writes a checkpoint that is due by age at the sweep, and every lagging one at shutdown', async () => {
    const env = setup();
    let now = 1_000_000;
    env.service.opts.now = () => new Date(now);
    env.service.unwritten.policy = { maxMessages: 64, maxAgeMs: 30_000 };
    await withConversations(env);
    await send(env, 'alice', 'c1', 'one');
    now += 10_000;
    await send(env, 'mia', 'g1', 'two');
    now += 20_000;
    // c1's first unwritten message is 30 s old, g1's 20 s.
    expect(env.service.unwritten.due(now)).toEqual(['c1']);
    await env.service.onApplicationShutdown();
    expect(env.timelines.docs.get('c1')).toMatchObject({ lastSeq: 1 });
    expect(env.timelines.docs.get('g1')).toMatchObject({ lastSeq: 1 });
    expect(env.service.unwritten.size).toBe(0);
  });

  it('answers NOT_FOUND to an outsider and for an unknown conversation, storing and pushing nothing', async () => {
    const env = setup();
    await withConversations(env);
    expect(await refusal(send(env, 'mallory', 'c1', 'let me in'))).toBe('NOT_FOUND');
    expect(await refusal(send(env, 'alice', 'nope', 'anyone?'))).toBe('NOT_FOUND');
    expect(env.messages.docs.size).toBe(0);
    expect(env.pushes.deliveries).toEqual([]);
  });

  it('returns the original for a repeated clientMsgId, even with another text, and stores and pushes nothing', async () => {
    const env = setup();
    await withConversations(env);
    const first = await send(env, 'alice', 'c1', 'once', 'k1');
    env.pushes.clear();
    const again = await send(env, 'alice', 'c1', 'twice?', 'k1');
    expect(again).toEqual(first);
    expect(env.messages.docs.size).toBe(1);
    expect(env.pushes.deliveries).toEqual([]);
    // The same key from another sender is another message.
    const bobs = await send(env, 'bob', 'c1', 'mine', 'k1');
    expect(bobs.seq).toBe(2);
  });

  it('after a crash between storing and pushing, the retry pushes the stored message once and records it', async () => {
    const env = setup();
    await withConversations(env);
    env.pushes.failNext('push');
    await expect(send(env, 'alice', 'c1', 'lost?', 'k1')).rejects.toThrow('connection closed');
    expect(env.messages.docs.size).toBe(1);
    const retried = await send(env, 'alice', 'c1', 'lost?', 'k1');
    expect(retried.seq).toBe(1);
    expect(env.pushes.to<{ message: Message }>('bob', 'message:new').map((d) => d.message.id)).toEqual(['c1-1']);
    expect(await timelineOf(env, 'c1')).toMatchObject({ lastSeq: 1, sent: { alice: 1 } });
    const next = await send(env, 'bob', 'c1', 'next');
    expect(next.seq).toBe(2);
  });

  it('a new owner (a restart, a rebalance) derives the timeline from the checkpoint and the messages, and pushes those again with their ids', async () => {
    const env = setup();
    env.service.unwritten.policy = { maxMessages: 2, maxAgeMs: 60_000 };
    await withConversations(env);
    for (const text of ['one', 'two', 'three']) await send(env, 'alice', 'c1', text);
    await new Promise((r) => setImmediate(r));
    expect(env.timelines.docs.get('c1')).toMatchObject({ lastSeq: 2 });
    // The owner dies without writing seq 3 into the checkpoint; another process takes over the same stores.
    const pushes = new FakePublisher();
    const config = new ConfigService<MessagingEnv, true>({ CONVERSATION_WAIT_MS: 200 });
    const current = new CurrentTimelines(env.timelines as never, env.messages as never);
    const takeover = new MessagingService(env.conversations as never, env.timelines as never, env.messages as never, pushes as never, env.blocks as never, config, METRICS as never, env.users as never, env.media as never, current);
    const m4 = await takeover.send({ actorId: 'bob', conversationId: 'c1', text: 'four', clientMsgId: 'b4' }, at);
    expect(m4.message.seq).toBe(4);
    // Seq 3 may have been stored but not pushed: it goes out again (gateways drop what they pushed already), then seq 4.
    expect(pushes.to<{ message: Message }>('alice', 'message:new').map((d) => d.message.id)).toEqual(['c1-3', 'c1-4']);
    expect(env.timelines.docs.get('c1')).toMatchObject({ lastSeq: 3, sent: { alice: 3 } });
    expect(await timelineOf(env, 'c1')).toMatchObject({ lastSeq: 4, sent: { alice: 3, bob: 1 } });
  });

  it('a takeover pushes what lies above the checkpoint in delivery events that each fit the broker, in order', async () => {
    const env = setup();
    await withConversations(env);
    const long = '😀'.repeat(4000);
    for (let i = 0; i < 60; i++) await send(env, i % 2 ? 'olga' : 'mia', 'g1', `${long}${i}`);
    expect(env.timelines.docs.get('g1')).toBeUndefined();
    const pushes = new FakePublisher();
    const config = new ConfigService<MessagingEnv, true>({ CONVERSATION_WAIT_MS: 200 });
    const current = new CurrentTimelines(env.timelines as never, env.messages as never);
    const takeover = new MessagingService(env.conversations as never, env.timelines as never, env.messages as never, pushes as never, env.blocks as never, config, METRICS as never, env.users as never, env.media as never, current);
    await takeover.history({ actorId: 'adam', conversationId: 'g1', limit: 1 }, at);
    // 60 messages of 16 KB: more than one event, each under the limit, the seqs in order across them.
    expect(pushes.deliveries.length).toBeGreaterThan(1);
    for (const d of pushes.deliveries) expect(Buffer.byteLength(JSON.stringify(d.items))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(pushes.to<{ message: Message }>('adam', 'message:new').map((d) => d.message.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(env.timelines.docs.get('g1')).toMatchObject({ lastSeq: 60 });
  });

  it('when another process stored messages meanwhile (a rebalance), it finishes them and takes the next free seq', async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'alice', 'c1', 'one');
    // Another owner stored seq 2 and 3 and crashed before announcing them.
    for (const seq of [2, 3]) {
      await env.messages.insert({
        _id: `c1-${seq}`,
        conversationId: 'c1',
        seq,
        senderId: 'bob',
        text: `other ${seq}`,
        clientMsgId: `b${seq}`,
        createdAt: new Date(),
        editedAt: null,
        deletedAt: null,
      });
    }
    env.pushes.clear();
    const taken: string[] = [];
    env.service.opts.seqTaken = (by) => taken.push(by);
    const mine = await send(env, 'alice', 'c1', 'four');
    expect(mine.seq).toBe(4);
    // The unique message id refused the stale seq 2, and the refusal was counted as another writer's.
    expect(taken).toEqual(['another-writer']);
    await send(env, 'alice', 'c1', 'four');
    expect(taken).toEqual(['another-writer', 'retry']);
    expect(env.pushes.to<{ message: Message }>('alice', 'message:new').map((d) => d.message.seq)).toEqual([2, 3, 4]);
    expect(await timelineOf(env, 'c1')).toMatchObject({ lastSeq: 4, sent: { alice: 2, bob: 2 } });
  });

  it('drops its cached state of a partition when another process may have handled it (an offset gap)', async () => {
    const env = setup();
    await withConversations(env);
    env.service.cache.observe(0, 10);
    await send(env, 'alice', 'c1', 'one');
    env.service.cache.observe(0, 11);
    expect(env.service.cache.size).toBe(1);
    env.service.cache.observe(0, 40);
    expect(env.service.cache.size).toBe(0);
  });

  it('sees a member added after it cached the conversation, before the projection notice arrives', async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'olga', 'g1', 'welcome');
    await env.projection.changed(
      changedEvent('g1', 2, [{ userId: 'olga', role: 'owner' }, { userId: 'adam', role: 'admin' }, { userId: 'mia' }, { userId: 'neo', joinedAt: '2030-02-01T00:00:00.000Z' }], {
        type: 'group',
      }),
    );
    expect((await send(env, 'neo', 'g1', 'hi all')).seq).toBe(2);
  });

  it('stops delivering to a removed member once the projection notice is handled', async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'olga', 'g1', 'one');
    await env.projection.changed(changedEvent('g1', 2, [{ userId: 'olga', role: 'owner' }, { userId: 'adam', role: 'admin' }], { type: 'group', removed: [{ userId: 'mia', reason: 'removed' }] }));
    env.service.projected('g1');
    env.pushes.clear();
    await send(env, 'olga', 'g1', 'two');
    expect(env.pushes.of('message:new')[0]!.userIds.sort()).toEqual(['adam', 'olga']);
    expect(await refusal(send(env, 'mia', 'g1', 'still here?'))).toBe('NOT_FOUND');
  });
});

describe('messages.edit and messages.delete', () => {
  it('lets the sender edit: pushes message:updated to every member and keeps lastMessage current', async () => {
    const env = setup();
    await withConversations(env);
    const m = await send(env, 'alice', 'c1', 'helo');
    env.pushes.clear();
    const { message } = await env.service.edit({ actorId: 'alice', conversationId: 'c1', messageId: m.id, text: 'hello' }, at);
    expect(message).toMatchObject({ id: m.id, seq: 1, text: 'hello', deletedAt: null });
    expect(message.editedAt).not.toBeNull();
    expect(env.pushes.of('message:updated')).toEqual([{ userIds: ['alice', 'bob'], event: 'message:updated', data: { message } }]);
    expect(env.timelines.docs.get('c1')!.lastMessage!.text).toBe('hello');
  });

  it('refuses an edit by anyone but the sender (FORBIDDEN), by an outsider (NOT_FOUND) and of a deleted message (CONFLICT)', async () => {
    const env = setup();
    await withConversations(env);
    const m = await send(env, 'mia', 'g1', 'mine');
    expect(await refusal(env.service.edit({ actorId: 'olga', conversationId: 'g1', messageId: m.id, text: 'x' }, at))).toBe('FORBIDDEN');
    expect(await refusal(env.service.edit({ actorId: 'alice', conversationId: 'g1', messageId: m.id, text: 'x' }, at))).toBe('NOT_FOUND');
    expect(await refusal(env.service.edit({ actorId: 'mia', conversationId: 'g1', messageId: 'g1-99', text: 'x' }, at))).toBe('NOT_FOUND');
    expect(await refusal(env.service.edit({ actorId: 'mia', conversationId: 'g1', messageId: 'c1-1', text: 'x' }, at))).toBe('NOT_FOUND');
    await env.service.remove({ actorId: 'mia', conversationId: 'g1', messageId: m.id }, at);
    expect(await refusal(env.service.edit({ actorId: 'mia', conversationId: 'g1', messageId: m.id, text: 'x' }, at))).toBe('CONFLICT');
  });

  it('deletes as a tombstone (same id and seq, empty text, deletedAt); deleting again answers it and pushes nothing', async () => {
    const env = setup();
    await withConversations(env);
    const m = await send(env, 'alice', 'c1', 'oops');
    env.pushes.clear();
    const { message } = await env.service.remove({ actorId: 'alice', conversationId: 'c1', messageId: m.id }, at);
    expect(message).toMatchObject({ id: m.id, seq: 1, text: '', clientMsgId: m.clientMsgId });
    expect(message.deletedAt).not.toBeNull();
    expect(env.pushes.to('bob', 'message:updated')).toEqual([{ message }]);
    env.pushes.clear();
    const again = await env.service.remove({ actorId: 'alice', conversationId: 'c1', messageId: m.id }, at);
    expect(again.message).toEqual(message);
    expect(env.pushes.deliveries).toEqual([]);
  });

  it("lets a group admin or owner delete anyone's message, but not a plain member or the peer of a direct conversation", async () => {
    const env = setup();
    await withConversations(env);
    const a = await send(env, 'mia', 'g1', 'a');
    const b = await send(env, 'mia', 'g1', 'b');
    const c = await send(env, 'olga', 'g1', 'c');
    expect((await env.service.remove({ actorId: 'adam', conversationId: 'g1', messageId: a.id }, at)).message.deletedAt).not.toBeNull();
    expect((await env.service.remove({ actorId: 'olga', conversationId: 'g1', messageId: b.id }, at)).message.deletedAt).not.toBeNull();
    expect(await refusal(env.service.remove({ actorId: 'mia', conversationId: 'g1', messageId: c.id }, at))).toBe('FORBIDDEN');
    const d = await send(env, 'alice', 'c1', 'd');
    expect(await refusal(env.service.remove({ actorId: 'bob', conversationId: 'c1', messageId: d.id }, at))).toBe('FORBIDDEN');
    expect(await refusal(env.service.remove({ actorId: 'mallory', conversationId: 'c1', messageId: d.id }, at))).toBe('NOT_FOUND');
  });
});

describe('messages.history', () => {
  async function withTen(env: Env) {
    await withConversations(env);
    for (let i = 1; i <= 10; i++) await send(env, i % 2 ? 'alice' : 'bob', 'c1', `m${i}`);
  }
  const page = async (env: Env, q: { beforeSeq?: number; afterSeq?: number; limit?: number }) => {
    const r = await env.service.history({ actorId: 'bob', conversationId: 'c1', limit: q.limit ?? 50, ...q }, at);
    return { seqs: r.messages.map((m) => m.seq), hasMore: r.hasMore };
  };

  it('pages back from the newest with hasMore for older ones', async () => {
    const env = setup();
    await withTen(env);
    expect(await page(env, { limit: 3 })).toEqual({ seqs: [8, 9, 10], hasMore: true });
    expect(await page(env, { beforeSeq: 8, limit: 3 })).toEqual({ seqs: [5, 6, 7], hasMore: true });
    expect(await page(env, { beforeSeq: 5, limit: 4 })).toEqual({ seqs: [1, 2, 3, 4], hasMore: false });
    expect(await page(env, { beforeSeq: 3, limit: 5 })).toEqual({ seqs: [1, 2], hasMore: false });
    expect(await page(env, {})).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], hasMore: false });
    expect(await page(env, { beforeSeq: 1 })).toEqual({ seqs: [], hasMore: false });
  });

  it('pages forward after a seq with hasMore for newer ones, and between two seqs from just above afterSeq', async () => {
    const env = setup();
    await withTen(env);
    expect(await page(env, { afterSeq: 0, limit: 4 })).toEqual({ seqs: [1, 2, 3, 4], hasMore: true });
    expect(await page(env, { afterSeq: 7, limit: 2 })).toEqual({ seqs: [8, 9], hasMore: true });
    expect(await page(env, { afterSeq: 8, limit: 2 })).toEqual({ seqs: [9, 10], hasMore: false });
    expect(await page(env, { afterSeq: 10 })).toEqual({ seqs: [], hasMore: false });
    expect(await page(env, { afterSeq: 2, beforeSeq: 7, limit: 2 })).toEqual({ seqs: [3, 4], hasMore: true });
    expect(await page(env, { afterSeq: 2, beforeSeq: 7, limit: 4 })).toEqual({ seqs: [3, 4, 5, 6], hasMore: false });
    expect(await page(env, { afterSeq: 5, beforeSeq: 6 })).toEqual({ seqs: [], hasMore: false });
  });

  it('includes tombstones and refuses outsiders with NOT_FOUND', async () => {
    const env = setup();
    await withTen(env);
    await env.service.remove({ actorId: 'alice', conversationId: 'c1', messageId: 'c1-9' }, at);
    const { messages } = await env.service.history({ actorId: 'alice', conversationId: 'c1', afterSeq: 8, limit: 5 }, at);
    expect(messages.map((m) => [m.seq, m.text, m.deletedAt !== null])).toEqual([
      [9, '', true],
      [10, 'm10', false],
    ]);
    expect(await refusal(env.service.history({ actorId: 'mallory', conversationId: 'c1', limit: 5 }, at))).toBe('NOT_FOUND');
  });
});

describe('unread, read markers and conversations', () => {
  const listOf = async (env: Env, user: string) => (await env.service.list({ actorId: user })).conversations;
  const unread = async (env: Env, user: string, id: string) => (await listOf(env, user)).find((c) => c.id === id)?.unread;

  it("counts messages from others above the marker, never the caller's own", async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'alice', 'c1', 'a1');
    await send(env, 'alice', 'c1', 'a2');
    await send(env, 'bob', 'c1', 'b1');
    expect(await unread(env, 'bob', 'c1')).toBe(2);
    expect(await unread(env, 'alice', 'c1')).toBe(1);
  });

  it('moves the marker forward only, takes a seq past lastSeq as lastSeq, and pushes read:update to every member when it moves', async () => {
    const env = setup();
    await withConversations(env);
    for (let i = 1; i <= 4; i++) await send(env, 'alice', 'c1', `a${i}`);
    env.pushes.clear();
    await env.service.read({ actorId: 'bob', conversationId: 'c1', seq: 2 }, at);
    expect(await unread(env, 'bob', 'c1')).toBe(2);
    expect(env.pushes.of('read:update')).toEqual([{ userIds: ['alice', 'bob'], event: 'read:update', data: { conversationId: 'c1', userId: 'bob', seq: 2 } }]);
    env.pushes.clear();
    await env.service.read({ actorId: 'bob', conversationId: 'c1', seq: 1 }, at);
    await env.service.read({ actorId: 'bob', conversationId: 'c1', seq: 2 }, at);
    expect(env.pushes.deliveries).toEqual([]);
    expect(await unread(env, 'bob', 'c1')).toBe(2);
    await env.service.read({ actorId: 'bob', conversationId: 'c1', seq: 1000 }, at);
    expect(env.pushes.to('alice', 'read:update')).toEqual([{ conversationId: 'c1', userId: 'bob', seq: 4 }]);
    expect(await unread(env, 'bob', 'c1')).toBe(0);
  });

  it('keeps unread right when the marker stops between the reader\'s own messages', async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'alice', 'c1', '1'); // seq 1
    await send(env, 'bob', 'c1', '2'); // seq 2 (bob's own)
    await send(env, 'alice', 'c1', '3'); // seq 3
    await send(env, 'bob', 'c1', '4'); // seq 4 (bob's own)
    await send(env, 'alice', 'c1', '5'); // seq 5
    await env.service.read({ actorId: 'bob', conversationId: 'c1', seq: 2 }, at);
    expect(await unread(env, 'bob', 'c1')).toBe(2); // 3 and 5
    await env.service.read({ actorId: 'bob', conversationId: 'c1', seq: 4 }, at);
    expect(await unread(env, 'bob', 'c1')).toBe(1);
  });

  it('starts a member who joins later at the lastSeq of that moment, with the whole history readable', async () => {
    const env = setup();
    await withConversations(env);
    for (let i = 1; i <= 3; i++) await send(env, 'olga', 'g1', `before ${i}`);
    await env.projection.changed(
      changedEvent('g1', 2, [{ userId: 'olga', role: 'owner' }, { userId: 'adam', role: 'admin' }, { userId: 'mia' }, { userId: 'neo', joinedAt: '2030-03-01T00:00:00.000Z' }], {
        type: 'group',
      }),
    );
    env.service.projected('g1');
    expect(await unread(env, 'neo', 'g1')).toBe(0);
    expect(await unread(env, 'mia', 'g1')).toBe(3);
    await send(env, 'olga', 'g1', 'after');
    expect(await unread(env, 'neo', 'g1')).toBe(1);
    const { messages } = await env.service.history({ actorId: 'neo', conversationId: 'g1', limit: 50 }, at);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    // Reading below where they started changes nothing.
    env.pushes.clear();
    await env.service.read({ actorId: 'neo', conversationId: 'g1', seq: 2 }, at);
    expect(env.pushes.deliveries).toEqual([]);
  });

  it('lists the caller\'s conversations newest activity first, with their own unread, lastSeq and lastMessage', async () => {
    const env = setup();
    await withConversations(env);
    await env.projection.changed(changedEvent('c2', 1, [{ userId: 'alice' }, { userId: 'carol' }], { type: 'direct' }));
    await send(env, 'alice', 'c1', 'older');
    await send(env, 'carol', 'c2', 'newer');
    const list = await listOf(env, 'alice');
    expect(list.map((c) => c.id)).toEqual(['c2', 'c1']);
    const c2 = list[0]!;
    expect(c2).toMatchObject<Partial<Conversation>>({ type: 'direct', name: null, lastSeq: 1, unread: 1 });
    expect(c2.members).toEqual([
      { userId: 'alice', role: 'member' },
      { userId: 'carol', role: 'member' },
    ]);
    expect(c2.lastMessage).toMatchObject({ text: 'newer', senderId: 'carol' });
    expect(c2.updatedAt).toBe(c2.lastMessage!.createdAt);
    expect((await listOf(env, 'bob')).map((c) => c.id)).toEqual(['c1']);
    expect(await listOf(env, 'mallory')).toEqual([]);
  });
});

describe('conversations.get', () => {
  it("answers the caller's view, and NOT_FOUND to an outsider", async () => {
    const env = setup();
    await withConversations(env);
    await send(env, 'mia', 'g1', 'hey');
    const { conversation } = await env.service.get({ actorId: 'olga', conversationId: 'g1' }, at);
    expect(conversation).toMatchObject({ id: 'g1', type: 'group', name: 'team', lastSeq: 1, unread: 1 });
    expect(conversation.members).toEqual([
      { userId: 'olga', role: 'owner' },
      { userId: 'adam', role: 'admin' },
      { userId: 'mia', role: 'member' },
    ]);
    expect(await refusal(env.service.get({ actorId: 'alice', conversationId: 'g1' }, at))).toBe('NOT_FOUND');
    expect(await refusal(env.service.get({ actorId: 'alice', conversationId: 'zz' }, at))).toBe('NOT_FOUND');
  });

  it('waits for the projection to reach minVersion, and answers UNAVAILABLE if it never does', async () => {
    const env = setup({ getWaitMs: 300 });
    await withConversations(env);
    const later = new Promise((r) => setTimeout(r, 40)).then(() =>
      env.projection.changed(changedEvent('g1', 2, [{ userId: 'olga', role: 'owner' }, { userId: 'adam', role: 'admin' }], { type: 'group', name: 'renamed' })),
    );
    const { conversation } = await env.service.get({ actorId: 'olga', conversationId: 'g1', minVersion: 2 }, at);
    await later;
    expect(conversation.name).toBe('renamed');
    expect(await refusal(env.service.get({ actorId: 'olga', conversationId: 'new', minVersion: 1 }, at))).toBe('UNAVAILABLE');
  });
});

describe('v1.1: replies, mentions, reactions, mute', () => {
  async function team() {
    const env = setup();
    await withConversations(env);
    for (const u of ['alice', 'bob', 'olga', 'adam', 'mia']) await env.users.save({ _id: u, username: u });
    return env;
  }
  const conv = async (env: Env, actorId: string, id: string) => (await env.service.list({ actorId })).conversations.find((c) => c.id === id)!;

  it('a reply quotes its original as it is now, in history and in the last message', async () => {
    const env = await team();
    const original = await send(env, 'alice', 'c1', 'first');
    const reply = (await env.service.send({ actorId: 'bob', conversationId: 'c1', text: 'answer', clientMsgId: 'r1', replyTo: original.id }, at)).message;
    expect(reply.replyTo).toEqual({ messageId: 'c1-1', seq: 1, senderId: 'alice', excerpt: 'first', deleted: false });
    await env.service.edit({ actorId: 'alice', conversationId: 'c1', messageId: original.id, text: 'edited' }, at);
    expect((await env.service.history({ actorId: 'bob', conversationId: 'c1', limit: 10 }, at)).messages[1]!.replyTo?.excerpt).toBe('edited');
    await env.service.remove({ actorId: 'alice', conversationId: 'c1', messageId: original.id }, at);
    expect((await conv(env, 'bob', 'c1')).lastMessage?.replyTo).toMatchObject({ excerpt: '', deleted: true });
    expect(await refusal(env.service.send({ actorId: 'bob', conversationId: 'c1', text: 'x', clientMsgId: 'r2', replyTo: 'g1-1' }, at))).toBe('VALIDATION_FAILED');
  });

  it('counts mentions from others above the read marker; an edit dropping one and a read lower it', async () => {
    const env = await team();
    const m = await send(env, 'olga', 'g1', '@adam and @mia, @carol');
    expect(m.mentions).toEqual(['adam', 'mia']);
    await send(env, 'adam', 'g1', '@adam me');
    expect((await conv(env, 'adam', 'g1')).mentions).toBe(1);
    await env.service.edit({ actorId: 'olga', conversationId: 'g1', messageId: m.id, text: 'only @mia' }, at);
    expect((await conv(env, 'adam', 'g1')).mentions).toBe(0);
    expect((await conv(env, 'mia', 'g1')).mentions).toBe(1);
    await env.service.read({ actorId: 'mia', conversationId: 'g1', seq: 1 }, at);
    expect((await conv(env, 'mia', 'g1')).mentions).toBe(0);
  });

  it('reactions are idempotent, limited to 20 emoji, refused on a deleted message, and push message:updated only on change', async () => {
    const env = await team();
    const m = await send(env, 'alice', 'c1', 'hi');
    env.pushes.clear();
    const react = (actorId: string, emoji: string, add = true) => env.service.react({ actorId, conversationId: 'c1', messageId: m.id, emoji }, add, at);
    await react('bob', '👍');
    await react('bob', '👍');
    expect((await react('alice', '👍')).message.reactions).toEqual([{ emoji: '👍', userIds: ['bob', 'alice'] }]);
    expect(env.pushes.of('message:updated')).toHaveLength(2);
    for (let i = 0; i < 19; i++) await react('bob', String.fromCodePoint(0x1f600 + i));
    expect(await refusal(react('bob', '🤔'))).toBe('CONFLICT');
    await react('bob', '👍', false);
    await react('alice', '👍', false);
    expect((await react('alice', '👍', false)).message.reactions.map((r) => r.emoji)).not.toContain('👍');
    await env.service.remove({ actorId: 'alice', conversationId: 'c1', messageId: m.id }, at);
    expect(await refusal(react('bob', '🤔'))).toBe('CONFLICT');
  });

  it('mute is per member, idempotent, and tells only the caller\'s other sockets', async () => {
    const env = await team();
    env.pushes.clear();
    await env.service.mute({ actorId: 'bob', conversationId: 'c1', muted: true, socketId: 's1' }, at);
    await env.service.mute({ actorId: 'bob', conversationId: 'c1', muted: true, socketId: 's1' }, at);
    expect(env.pushes.of('conversation:prefs')).toEqual([{ userIds: ['bob'], event: 'conversation:prefs', data: { conversationId: 'c1', muted: true }, exceptSocketId: 's1' }]);
    expect((await conv(env, 'bob', 'c1')).muted).toBe(true);
    expect((await conv(env, 'alice', 'c1')).muted).toBe(false);
    expect(await refusal(env.service.mute({ actorId: 'mia', conversationId: 'c1', muted: true }, at))).toBe('NOT_FOUND');
  });
});

describe('v1.1: attachments', () => {
  it('a send claims its uploads, shows them signed everywhere, and a delete releases them', async () => {
    const env = setup();
    await withConversations(env);
    env.media.add('alice', 'up1');
    env.media.add('alice', 'up2', 'application/pdf');
    const sent = (await env.service.send({ actorId: 'alice', conversationId: 'c1', text: '', clientMsgId: 'f1', attachmentIds: ['up1', 'up2'] }, at)).message;
    expect(sent.attachments.map((a) => [a.id, a.url, a.thumbnailUrl])).toEqual([
      ['up1', 'signed:up1:original', 'signed:up1:thumbnail'],
      ['up2', 'signed:up2:original', null],
    ]);
    expect(env.pushes.to<{ message: Message }>('bob', 'message:new')[0]!.message.attachments).toHaveLength(2);
    expect((await env.service.history({ actorId: 'bob', conversationId: 'c1', limit: 10 }, at)).messages[0]!.attachments[0]!.url).toBe('signed:up1:original');
    // A retry of the same send answers the same message; another send cannot take them again.
    expect((await env.service.send({ actorId: 'alice', conversationId: 'c1', text: '', clientMsgId: 'f1', attachmentIds: ['up1', 'up2'] }, at)).message.id).toBe(sent.id);
    expect(await refusal(env.service.send({ actorId: 'alice', conversationId: 'c1', text: 'again', clientMsgId: 'f2', attachmentIds: ['up1'] }, at))).toBe('VALIDATION_FAILED');
    const gone = (await env.service.remove({ actorId: 'alice', conversationId: 'c1', messageId: sent.id }, at)).message;
    expect(gone.attachments).toEqual([]);
    expect(env.pushes.releases).toEqual([['up1', 'up2']]);
  });

  it("refuses someone else's upload and a blank text without attachments (VALIDATION_FAILED)", async () => {
    const env = setup();
    await withConversations(env);
    env.media.add('bob', 'b1');
    expect(await refusal(env.service.send({ actorId: 'alice', conversationId: 'c1', text: 'x', clientMsgId: 'g1', attachmentIds: ['b1'] }, at))).toBe('VALIDATION_FAILED');
    expect(await refusal(env.service.send({ actorId: 'alice', conversationId: 'c1', text: '  ', clientMsgId: 'g2' }, at))).toBe('VALIDATION_FAILED');
  });
});
