import { setTimeout as sleep } from 'node:timers/promises';
import type { Conversation, Message } from '@chat/contracts';
import { Platform, ok, request, type TestUser } from '@chat/testing';
import { close, count, directBetween, meetTheCast, newUser, send, startPatiently, type Tab } from './helpers';

/**
 * Protocol v1.1's messages through two gateways, against the real services:
 * replies, mentions and their count, reactions, search and mute, each with
 * its errors and its pushes to every member's every socket.
 */
let platform: Platform;
const sockets: (Tab | TestUser)[] = [];

let alice: TestUser; // gateway 0, a second tab on gateway 1
let aliceTab: Tab;
let bob: TestUser; // gateway 1, a second tab on gateway 0
let bobTab: Tab;
let carol: TestUser; // an outsider
let direct: string;

let olga: TestUser; // group owner
let adam: TestUser;
let mia: TestUser;
let group: string;

beforeAll(async () => {
  platform = new Platform({ replicas: { gateway: 2 } });
  await startPatiently(platform, { gateway: 2 });
  ({ alice, aliceTab, bob, bobTab, carol, olga, adam, mia, direct, group } = await meetTheCast(platform, 'Team', (tab) => sockets.push(tab)));
  await mia.pushes.waitFor('conversation:updated', (p) => p.conversation.id === group);
}, 300_000);

afterAll(async () => {
  close(...sockets);
  await platform?.stop();
});

const isMsg = (id: string) => (p: { message: Message }) => p.message.id === id;
const everyDirectTab = (): Tab[] => [alice, aliceTab, bob, bobTab];
const sendWith = async (u: TestUser, conversationId: string, payload: object) =>
  (await ok(u.socket, 'message:send', { conversationId, clientMsgId: `k-${Math.random().toString(36).slice(2)}`, ...payload }, 20000)).message;
const historyOf = async (u: TestUser, conversationId: string) => (await ok(u.socket, 'message:history', { conversationId, limit: 100 })).messages;
const viewOf = async (u: TestUser, conversationId: string): Promise<Conversation> =>
  (await ok(u.socket, 'conversation:list', {})).conversations.find((c) => c.id === conversationId)!;

describe('new fields', () => {
  it('a plain message carries no reply, mentions, reactions or attachments; a conversation says mentions 0 and not muted', async () => {
    const m = await send(alice, direct, 'plain');
    expect(m).toMatchObject({ replyTo: null, mentions: [], reactions: [], attachments: [] });
    expect(await viewOf(bob, direct)).toMatchObject({ mentions: 0, muted: false });
  });
});

describe('replies', () => {
  it('quotes the first 200 code points of the original, pushed to every socket of every member', async () => {
    const original = await send(alice, direct, `${'😀'.repeat(150)}${'x'.repeat(100)}`);
    const reply = await sendWith(bob, direct, { text: 'answer', replyTo: original.id });
    expect(reply.replyTo).toEqual({ messageId: original.id, seq: original.seq, senderId: alice.user.id, excerpt: `${'😀'.repeat(150)}${'x'.repeat(50)}`, deleted: false });
    for (const tab of everyDirectTab()) expect((await tab.pushes.waitFor('message:new', isMsg(reply.id))).message).toEqual(reply);
  });

  it('history answers the current excerpt: an edit of the original changes it, a delete empties it with deleted: true', async () => {
    const original = await send(alice, direct, 'first words');
    const reply = await sendWith(bob, direct, { text: 'quoting', replyTo: original.id });
    await ok(alice.socket, 'message:edit', { messageId: original.id, text: 'second words' });
    let quoted = (await historyOf(bob, direct)).find((m) => m.id === reply.id)!;
    expect(quoted.replyTo).toMatchObject({ excerpt: 'second words', deleted: false });
    // The conversation's last message is the reply: its quote follows too.
    expect((await viewOf(bob, direct)).lastMessage?.replyTo).toMatchObject({ messageId: original.id, excerpt: 'second words' });
    await ok(alice.socket, 'message:delete', { messageId: original.id });
    quoted = (await historyOf(alice, direct)).find((m) => m.id === reply.id)!;
    expect(quoted.replyTo).toEqual({ messageId: original.id, seq: original.seq, senderId: alice.user.id, excerpt: '', deleted: true });
    expect((await viewOf(alice, direct)).lastMessage?.replyTo).toMatchObject({ excerpt: '', deleted: true });
    // A deleted original may still be answered; the reply keeps its replyTo when it is deleted itself.
    const late = await sendWith(alice, direct, { text: 'late answer', replyTo: original.id });
    expect(late.replyTo).toMatchObject({ messageId: original.id, deleted: true, excerpt: '' });
    const gone = (await ok(alice.socket, 'message:delete', { messageId: late.id })).message;
    expect(gone).toMatchObject({ text: '', mentions: [], reactions: [], replyTo: { messageId: original.id } });
  });

  it('refuses a replyTo of another conversation or of no message with VALIDATION_FAILED, and stores nothing', async () => {
    const elsewhere = await send(mia, group, 'in the group');
    const before = (await historyOf(alice, direct)).length;
    for (const replyTo of [elsewhere.id, `${direct}-99999`, 'nonsense']) {
      const ack = await request(alice.socket, 'message:send', { conversationId: direct, text: 'x', clientMsgId: `bad-${replyTo}`, replyTo });
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await historyOf(alice, direct)).toHaveLength(before);
  });

  it('a retried send with the same clientMsgId answers the original reply', async () => {
    const original = await send(bob, direct, 'retry me');
    const first = await sendWith(alice, direct, { text: 'reply once', replyTo: original.id, clientMsgId: 'reply-retry' });
    const again = await sendWith(alice, direct, { text: 'reply once', replyTo: original.id, clientMsgId: 'reply-retry' });
    expect(again).toEqual(first);
  });
});

describe('mentions', () => {
  it('names members in order of first appearance, each once; not outsiders, not inside words; a trailing dot is dropped', async () => {
    const text = `hi @${adam.user.username.toUpperCase()} and @${carol.user.username}, mail me@${mia.user.username} then @${olga.user.username}. @${adam.user.username}`;
    const m = await send(mia, group, text);
    expect(m.mentions).toEqual([adam.user.id, olga.user.id]);
    for (const u of [olga, adam, mia]) expect((await u.pushes.waitFor('message:new', isMsg(m.id))).message.mentions).toEqual(m.mentions);
  });

  it('counts mentions of the caller above the read marker; a read and an edit that drops the mention lower it', async () => {
    await ok(adam.socket, 'conversation:read', { conversationId: group, seq: (await viewOf(adam, group)).lastSeq });
    await ok(olga.socket, 'conversation:read', { conversationId: group, seq: (await viewOf(olga, group)).lastSeq });
    const a = await send(mia, group, `@${adam.user.username} one`);
    await send(mia, group, `@${adam.user.username} and @${olga.user.username} two`);
    await send(olga, group, `@${olga.user.username} talking to myself`);
    expect((await viewOf(adam, group)).mentions).toBe(2);
    expect((await viewOf(olga, group)).mentions).toBe(1);
    expect((await viewOf(mia, group)).mentions).toBe(0);
    const edited = (await ok(mia.socket, 'message:edit', { messageId: a.id, text: 'nobody now' })).message;
    expect(edited.mentions).toEqual([]);
    expect((await viewOf(adam, group)).mentions).toBe(1);
    await ok(mia.socket, 'message:edit', { messageId: a.id, text: `@${adam.user.username} again` });
    expect((await viewOf(adam, group)).mentions).toBe(2);
    await ok(adam.socket, 'conversation:read', { conversationId: group, seq: a.seq });
    expect((await viewOf(adam, group)).mentions).toBe(1);
    const last = (await viewOf(adam, group)).lastSeq;
    await ok(adam.socket, 'conversation:read', { conversationId: group, seq: last });
    expect(await viewOf(adam, group)).toMatchObject({ mentions: 0, unread: 0 });
  });
});

describe('reactions', () => {
  it('adds in order of first use, userIds in order of reacting, pushed to every socket; changes no seq, unread, updatedAt or editedAt', async () => {
    const m = await send(alice, direct, 'react to me');
    const before = await viewOf(bob, direct);
    const one = (await ok(bob.socket, 'reaction:add', { messageId: m.id, emoji: '👍🏽' })).message;
    expect(one.reactions).toEqual([{ emoji: '👍🏽', userIds: [bob.user.id] }]);
    for (const tab of everyDirectTab()) await tab.pushes.waitFor('message:updated', (p) => p.message.id === m.id && p.message.reactions.length === 1);
    await ok(alice.socket, 'reaction:add', { messageId: m.id, emoji: '🇫🇷' });
    const three = (await ok(alice.socket, 'reaction:add', { messageId: m.id, emoji: '👍🏽' })).message;
    expect(three.reactions).toEqual([
      { emoji: '👍🏽', userIds: [bob.user.id, alice.user.id] },
      { emoji: '🇫🇷', userIds: [alice.user.id] },
    ]);
    expect(three).toMatchObject({ seq: m.seq, editedAt: null, createdAt: m.createdAt, text: m.text });
    const after = await viewOf(bob, direct);
    expect({ lastSeq: after.lastSeq, unread: after.unread, updatedAt: after.updatedAt }).toEqual({ lastSeq: before.lastSeq, unread: before.unread, updatedAt: before.updatedAt });
    for (const tab of everyDirectTab()) await tab.pushes.waitFor('message:updated', (p) => p.message.id === m.id && p.message.reactions.length === 2 && p.message.reactions[0]!.userIds.length === 2);
  });

  it('is idempotent both ways; an emoji nobody holds is gone', async () => {
    const m = await send(bob, direct, 'toggle');
    await ok(alice.socket, 'reaction:add', { messageId: m.id, emoji: '👩‍💻' });
    await bob.pushes.waitFor('message:updated', (p) => p.message.id === m.id && p.message.reactions.length === 1);
    const again = (await ok(alice.socket, 'reaction:add', { messageId: m.id, emoji: '👩‍💻' })).message;
    expect(again.reactions).toEqual([{ emoji: '👩‍💻', userIds: [alice.user.id] }]);
    const removed = (await ok(alice.socket, 'reaction:remove', { messageId: m.id, emoji: '👩‍💻' })).message;
    expect(removed.reactions).toEqual([]);
    expect((await ok(alice.socket, 'reaction:remove', { messageId: m.id, emoji: '👩‍💻' })).message.reactions).toEqual([]);
    await bob.pushes.waitFor('message:updated', (p) => p.message.id === m.id && p.message.reactions.length === 0);
    await sleep(800);
    expect(count(bob, 'message:updated', (p) => p.message.id === m.id)).toBe(2);
    expect((await historyOf(bob, direct)).find((x) => x.id === m.id)!.reactions).toEqual([]);
  });

  it('refuses anything but one emoji of at most 32 bytes with VALIDATION_FAILED', async () => {
    const m = await send(alice, direct, 'emoji rules');
    for (const emoji of ['a', '1', '', '👍👍', '👍 ', ':)', '👨🏻‍👩🏻‍👧🏻‍👦🏻', 'x'.repeat(40)]) {
      expect({ emoji, ack: await request(bob.socket, 'reaction:add', { messageId: m.id, emoji }) }).toMatchObject({ emoji, ack: { ok: false, error: { code: 'VALIDATION_FAILED' } } });
    }
    for (const emoji of ['❤️', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '1️⃣', '👨‍👩‍👧']) expect((await ok(bob.socket, 'reaction:add', { messageId: m.id, emoji })).message.reactions.at(-1)!.emoji).toBe(emoji);
  });

  it('a 21st distinct emoji, and any reaction to a deleted message, is CONFLICT; an outsider gets NOT_FOUND', async () => {
    const m = await send(alice, direct, 'crowded');
    const twenty = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
    expect(twenty).toHaveLength(20);
    for (const emoji of twenty) await ok(bob.socket, 'reaction:add', { messageId: m.id, emoji });
    expect(await request(alice.socket, 'reaction:add', { messageId: m.id, emoji: '🤔' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // One of the twenty, by someone else: not a new emoji.
    expect((await ok(alice.socket, 'reaction:add', { messageId: m.id, emoji: '😀' })).message.reactions[0]!.userIds).toEqual([bob.user.id, alice.user.id]);
    expect(await request(carol.socket, 'reaction:add', { messageId: m.id, emoji: '😀' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const gone = (await ok(alice.socket, 'message:delete', { messageId: m.id })).message;
    expect(gone.reactions).toEqual([]);
    expect(await request(bob.socket, 'reaction:add', { messageId: m.id, emoji: '😀' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await request(bob.socket, 'reaction:remove', { messageId: m.id, emoji: '😀' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });
});

describe('search', () => {
  let x: TestUser;
  let y: TestUser;
  let mine: string;
  let other: string;
  beforeAll(async () => {
    x = await newUser(platform.urls[0]!, 'sx');
    y = await newUser(platform.urls[1]!, 'sy');
    sockets.push(x, y);
    mine = await directBetween(x, y);
    other = await directBetween(x, alice);
  }, 120_000);

  const search = async (u: TestUser, q: object) => ok(u.socket, 'message:search', q);

  it('matches case-insensitive word prefixes of the current text, every term, accents counting, newest first', async () => {
    const a = await send(x, mine, 'Café au lait, s’il vous plaît');
    const b = await send(y, mine, 'the CAFETERIA opens at nine');
    const c = await send(x, other, 'meet at the café-bar');
    await send(y, mine, 'nothing relevant');
    expect((await search(x, { query: 'caf' })).messages.map((m) => m.id)).toEqual([c.id, b.id, a.id]);
    expect((await search(x, { query: '  CAFÉ  ' })).messages.map((m) => m.id)).toEqual([c.id, a.id]);
    expect((await search(x, { query: 'cafe' })).messages.map((m) => m.id)).toEqual([b.id]);
    expect((await search(x, { query: 'caf lai' })).messages.map((m) => m.id)).toEqual([a.id]);
    expect((await search(x, { query: 'bar' })).messages.map((m) => m.id)).toEqual([c.id]);
    expect((await search(x, { query: 'caf', conversationId: mine })).messages.map((m) => m.id)).toEqual([b.id, a.id]);
    expect((await search(x, { query: 'afé' })).messages).toEqual([]);
    // y is not in `other`: its message never shows.
    expect((await search(y, { query: 'caf' })).messages.map((m) => m.id)).toEqual([b.id, a.id]);
    const found = (await search(x, { query: 'opens' })).messages[0]!;
    expect(found).toEqual(b);
  });

  it('an edit changes what matches; deleted messages never match', async () => {
    const m = await send(x, mine, 'zebra crossing');
    expect((await search(y, { query: 'zeb' })).messages.map((r) => r.id)).toEqual([m.id]);
    await ok(x.socket, 'message:edit', { messageId: m.id, text: 'giraffe crossing' });
    expect((await search(y, { query: 'zeb' })).messages).toEqual([]);
    expect((await search(y, { query: 'gir' })).messages.map((r) => r.text)).toEqual(['giraffe crossing']);
    await ok(x.socket, 'message:delete', { messageId: m.id });
    expect((await search(y, { query: 'gir' })).messages).toEqual([]);
  });

  it('pages with an opaque cursor, null when nothing older matches', async () => {
    const sent: Message[] = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(y, mine, `pagina ${i}`));
    const p1 = await search(x, { query: 'pagina', limit: 2 });
    expect(p1.messages.map((m) => m.text)).toEqual(['pagina 5', 'pagina 4']);
    expect(p1.cursor).toEqual(expect.any(String));
    const p2 = await search(x, { query: 'pagina', limit: 2, cursor: p1.cursor });
    expect(p2.messages.map((m) => m.text)).toEqual(['pagina 3', 'pagina 2']);
    const p3 = await search(x, { query: 'pagina', limit: 2, cursor: p2.cursor });
    expect(p3).toEqual({ messages: [sent[0]], cursor: null });
    expect((await search(x, { query: 'pagina' })).messages).toHaveLength(5);
  });

  it('refuses a blank, too long or malformed request with VALIDATION_FAILED and a conversation of others with NOT_FOUND', async () => {
    for (const q of [{ query: '   ' }, { query: 'a'.repeat(201) }, { query: 'ok', limit: 51 }, { query: 'ok', limit: 0 }, { query: 'ok', cursor: 'not-a-cursor' }, { query: { $gt: '' } }]) {
      expect(await request(x.socket, 'message:search', q)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await request(x.socket, 'message:search', { query: 'a'.repeat(200) })).toMatchObject({ ok: true, data: { messages: [], cursor: null } });
    expect(await request(carol.socket, 'message:search', { query: 'caf', conversationId: mine })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(carol.socket, 'message:search', { query: 'caf', conversationId: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('mute', () => {
  it('is the caller\'s alone, idempotent, and pushed as conversation:prefs to the caller\'s other sockets only', async () => {
    const m = await send(alice, direct, `@${bob.user.username} are you there`);
    const before = await viewOf(bob, direct);
    expect(await ok(bob.socket, 'conversation:mute', { conversationId: direct, muted: true })).toEqual({});
    expect(await bobTab.pushes.waitFor('conversation:prefs', (p) => p.conversationId === direct)).toEqual({ conversationId: direct, muted: true });
    const after = await viewOf(bob, direct);
    expect(after).toMatchObject({ muted: true, unread: before.unread, mentions: before.mentions });
    expect(after.mentions).toBeGreaterThan(0);
    expect((await viewOf(alice, direct)).muted).toBe(false);
    await ok(bob.socket, 'conversation:mute', { conversationId: direct, muted: true });
    await sleep(800);
    expect(count(bobTab, 'conversation:prefs')).toBe(1);
    expect(count(bob, 'conversation:prefs')).toBe(0);
    expect(count(alice, 'conversation:prefs') + count(aliceTab, 'conversation:prefs')).toBe(0);
    await ok(bob.socket, 'conversation:mute', { conversationId: direct, muted: false });
    await bobTab.pushes.waitFor('conversation:prefs', (p) => p.conversationId === direct && !p.muted);
    expect((await viewOf(bob, direct)).muted).toBe(false);
    expect(m.mentions).toEqual([bob.user.id]);
  });

  it('refuses outsiders with NOT_FOUND and bad payloads with VALIDATION_FAILED', async () => {
    expect(await request(carol.socket, 'conversation:mute', { conversationId: direct, muted: true })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(bob.socket, 'conversation:mute', { conversationId: direct, muted: 'yes' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await request(bob.socket, 'conversation:mute', { conversationId: direct })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });
});
