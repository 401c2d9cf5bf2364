import { setTimeout as sleep } from 'node:timers/promises';
import { LIMITS, REST_CALLS, type Message } from '@chat/contracts';
import { Platform, http, ok, request, type TestUser } from '@chat/testing';
import { close, count, directBetween, meetTheCast, newUser, retrying, send, startPatiently, tabOn, type Tab } from './helpers';

/**
 * Messaging through two gateway processes: every member's every socket, on
 * either gateway, gets each push once; the protocol's rules for edits,
 * deletes, history, unread and read receipts; privacy; bad input.
 */
let platform: Platform;
const sockets: (Tab | TestUser)[] = [];

let alice: TestUser; // on gateway 0, a second tab on gateway 1
let aliceTab: Tab;
let bob: TestUser; // on gateway 1, a second tab on gateway 0
let bobTab: Tab;
let carol: TestUser; // an outsider, on gateway 0
let direct: string;

let olga: TestUser; // group owner, gateway 0
let adam: TestUser; // group admin, gateway 1
let mia: TestUser; // group member, gateway 0
let group: string;

beforeAll(async () => {
  platform = new Platform({ replicas: { gateway: 2 } });
  await startPatiently(platform, { gateway: 2 });
  ({ alice, aliceTab, bob, bobTab, carol, olga, adam, mia, direct, group } = await meetTheCast(platform, 'Crew', (tab) => sockets.push(tab)));
  await ok(olga.socket, 'group:setRole', { conversationId: group, userId: adam.user.id, role: 'admin' }, 30000);
  await adam.pushes.waitFor('conversation:updated', (p) => p.conversation.id === group && p.conversation.members.some((m) => m.userId === adam.user.id && m.role === 'admin'));
}, 300_000);

afterAll(async () => {
  close(...sockets);
  await platform?.stop();
});

const isMsg = (id: string) => (p: { message: Message }) => p.message.id === id;

describe('delivery', () => {
  it('acks a stored message and pushes message:new once to every socket of every member on both gateways, the sender included', async () => {
    const m = await send(alice, direct, 'hello across gateways', 'hello-1');
    expect(m).toMatchObject({ conversationId: direct, seq: 1, senderId: alice.user.id, text: 'hello across gateways', clientMsgId: 'hello-1', editedAt: null, deletedAt: null });
    const everyTab: Tab[] = [alice, aliceTab, bob, bobTab];
    for (const tab of everyTab) expect((await tab.pushes.waitFor('message:new', isMsg(m.id))).message).toEqual(m);
    await sleep(500);
    for (const tab of everyTab) expect(count(tab, 'message:new', isMsg(m.id))).toBe(1);
    expect(count(carol, 'message:new')).toBe(0);
    const { messages } = await ok(bob.socket, 'message:history', { conversationId: direct });
    expect(messages.map((x) => x.id)).toContain(m.id);
  });

  it('delivers a group message to every member, whichever gateway holds them', async () => {
    const m = await send(adam, group, 'group hello');
    for (const u of [olga, adam, mia]) expect((await u.pushes.waitFor('message:new', isMsg(m.id))).message.text).toBe('group hello');
    expect(count(alice, 'message:new', isMsg(m.id))).toBe(0);
  });

  it('trims the text and stores it trimmed; 4000 code points (emoji count as one) are accepted', async () => {
    const m = await send(alice, direct, '   padded  ');
    expect(m.text).toBe('padded');
    const long = await send(alice, direct, '😀'.repeat(LIMITS.textMax));
    expect([...long.text]).toHaveLength(LIMITS.textMax);
  });

  it('a repeated clientMsgId answers the original, even with another text, and stores and pushes nothing', async () => {
    const first = await send(bob, direct, 'only once', 'dup-key');
    await alice.pushes.waitFor('message:new', isMsg(first.id));
    const again = await send(bob, direct, 'a different text', 'dup-key');
    expect(again).toEqual(first);
    const third = await send(bobTab, direct, 'from the other tab', 'dup-key');
    expect(third).toEqual(first);
    await sleep(800);
    for (const tab of [alice, aliceTab, bob, bobTab]) expect(count(tab, 'message:new', (p) => p.message.clientMsgId === 'dup-key')).toBe(1);
    const { messages } = await ok(alice.socket, 'message:history', { conversationId: direct, limit: 100 });
    expect(messages.filter((x) => x.clientMsgId === 'dup-key')).toHaveLength(1);
    // Seq moved on by exactly one.
    const next = await send(alice, direct, 'next');
    expect(next.seq).toBe(first.seq + 1);
  });
});

describe('edit and delete', () => {
  it('the sender edits: every member gets message:updated; anyone else is refused', async () => {
    const m = await send(alice, direct, 'typo hree');
    const { message } = await ok(alice.socket, 'message:edit', { messageId: m.id, text: 'typo here' });
    expect(message).toMatchObject({ id: m.id, seq: m.seq, text: 'typo here', deletedAt: null });
    expect(message.editedAt).not.toBeNull();
    for (const tab of [alice, aliceTab, bob, bobTab]) await tab.pushes.waitFor('message:updated', (p) => p.message.id === m.id && p.message.text === 'typo here');
    const byPeer = await request(bob.socket, 'message:edit', { messageId: m.id, text: 'hijack' });
    expect(byPeer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const byOutsider = await request(carol.socket, 'message:edit', { messageId: m.id, text: 'hijack' });
    expect(byOutsider).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('the sender deletes: a tombstone for everyone; deleting again answers it; editing it is CONFLICT', async () => {
    const m = await send(bob, direct, 'regret');
    const { message } = await ok(bob.socket, 'message:delete', { messageId: m.id });
    expect(message).toMatchObject({ id: m.id, seq: m.seq, text: '', clientMsgId: m.clientMsgId });
    expect(message.deletedAt).not.toBeNull();
    await alice.pushes.waitFor('message:updated', (p) => p.message.id === m.id && p.message.deletedAt !== null);
    expect((await ok(bob.socket, 'message:delete', { messageId: m.id })).message).toEqual(message);
    expect(await request(bob.socket, 'message:edit', { messageId: m.id, text: 'undo' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const { messages } = await ok(alice.socket, 'message:history', { conversationId: direct, afterSeq: m.seq - 1, limit: 1 });
    expect(messages).toEqual([message]);
  });

  it('in a direct conversation the peer may not delete; in a group an admin and the owner may, a member may not', async () => {
    const d = await send(alice, direct, 'mine');
    expect(await request(bob.socket, 'message:delete', { messageId: d.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const a = await send(mia, group, 'moderate me');
    const b = await send(mia, group, 'me too');
    const c = await send(olga, group, "the owner's");
    expect((await ok(adam.socket, 'message:delete', { messageId: a.id })).message.deletedAt).not.toBeNull();
    expect((await ok(olga.socket, 'message:delete', { messageId: b.id })).message.deletedAt).not.toBeNull();
    expect(await request(mia.socket, 'message:delete', { messageId: c.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(adam.socket, 'message:edit', { messageId: c.id, text: 'no' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await mia.pushes.waitFor('message:updated', (p) => p.message.id === a.id && p.message.deletedAt !== null);
  });
});

describe('history', () => {
  it('pages back from the newest and forward from a seq, with hasMore in the direction of travel', async () => {
    const x = await newUser(platform.urls[0]!, 'hx');
    const y = await newUser(platform.urls[1]!, 'hy');
    sockets.push(x, y);
    const id = await directBetween(x, y);
    for (let i = 1; i <= 7; i++) await send(i % 2 ? x : y, id, `m${i}`);
    const page = async (q: object) => {
      const r = await ok(y.socket, 'message:history', { conversationId: id, ...q });
      return { seqs: r.messages.map((m) => m.seq), hasMore: r.hasMore };
    };
    expect(await page({ limit: 3 })).toEqual({ seqs: [5, 6, 7], hasMore: true });
    expect(await page({ beforeSeq: 5, limit: 3 })).toEqual({ seqs: [2, 3, 4], hasMore: true });
    expect(await page({ beforeSeq: 2, limit: 3 })).toEqual({ seqs: [1], hasMore: false });
    expect(await page({ afterSeq: 0, limit: 3 })).toEqual({ seqs: [1, 2, 3], hasMore: true });
    expect(await page({ afterSeq: 4, limit: 3 })).toEqual({ seqs: [5, 6, 7], hasMore: false });
    expect(await page({ afterSeq: 1, beforeSeq: 6, limit: 2 })).toEqual({ seqs: [2, 3], hasMore: true });
    expect(await page({ afterSeq: 1, beforeSeq: 6, limit: 4 })).toEqual({ seqs: [2, 3, 4, 5], hasMore: false });
    expect(await page({})).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7], hasMore: false });
    const all = await ok(x.socket, 'message:history', { conversationId: id, limit: LIMITS.historyLimitMax });
    expect(all.messages.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  });
});

describe('unread and read receipts', () => {
  it('counts messages from others above the marker; a read moves it forward and every member hears read:update, the reader\'s other tab too', async () => {
    const x = await newUser(platform.urls[0]!, 'rx');
    const y = await newUser(platform.urls[1]!, 'ry');
    const yTab = await tabOn(platform.urls[0]!, y);
    sockets.push(x, y, yTab);
    const id = await directBetween(x, y);
    const unread = async (u: TestUser) => (await ok(u.socket, 'conversation:list', {})).conversations.find((c) => c.id === id)!;
    for (let i = 1; i <= 4; i++) await send(x, id, `x${i}`);
    await send(y, id, 'y1');
    expect(await unread(y)).toMatchObject({ lastSeq: 5, unread: 4 });
    expect((await unread(x)).unread).toBe(1);
    expect((await unread(y)).lastMessage).toMatchObject({ seq: 5, text: 'y1' });

    expect(await ok(y.socket, 'conversation:read', { conversationId: id, seq: 2 })).toEqual({});
    for (const tab of [x, y, yTab]) {
      expect(await tab.pushes.waitFor('read:update', (p) => p.conversationId === id)).toEqual({ conversationId: id, userId: y.user.id, seq: 2 });
    }
    expect((await unread(y)).unread).toBe(2);

    // Backwards or in place: ok, and nothing pushed.
    await ok(y.socket, 'conversation:read', { conversationId: id, seq: 1 });
    await ok(y.socket, 'conversation:read', { conversationId: id, seq: 2 });

    // Past lastSeq reads up to lastSeq.
    await ok(y.socket, 'conversation:read', { conversationId: id, seq: 10_000 });
    expect(await x.pushes.waitFor('read:update', (p) => p.conversationId === id && p.seq !== 2)).toEqual({ conversationId: id, userId: y.user.id, seq: 5 });
    expect((await unread(y)).unread).toBe(0);
    // That push is the fence: a conversation's pushes arrive in order, so one the backward and
    // in-place reads had sent would be here before it. Only the two forward reads pushed.
    expect(x.pushes.of('read:update').filter((p) => p.conversationId === id).map((p) => p.seq)).toEqual([2, 5]);
  });

  it('lists conversations newest activity first', async () => {
    const x = await newUser(platform.urls[0]!, 'lx');
    const y = await newUser(platform.urls[1]!, 'ly');
    const z = await newUser(platform.urls[0]!, 'lz');
    sockets.push(x, y, z);
    const first = await directBetween(x, y);
    const second = await directBetween(x, z);
    await send(y, first, 'later');
    const { conversations } = await ok(x.socket, 'conversation:list', {});
    expect(conversations.map((c) => c.id)).toEqual([first, second]);
    expect(conversations[0]).toMatchObject({ type: 'direct', name: null, lastSeq: 1, unread: 1 });
    expect(conversations[1]).toMatchObject({ lastSeq: 0, lastMessage: null, unread: 0 });
  });

  it('a member added to a group later reads its whole history and starts with no unread', async () => {
    const owner = await newUser(platform.urls[0]!, 'go');
    const early = await newUser(platform.urls[1]!, 'ge');
    const late = await newUser(platform.urls[1]!, 'gl');
    sockets.push(owner, early, late);
    const { conversation } = await retrying(() => ok(owner.socket, 'group:create', { name: 'History', memberIds: [early.user.id] }, 30000));
    await send(owner, conversation.id, 'before 1');
    await send(early, conversation.id, 'before 2');
    const added = await ok(owner.socket, 'group:addMembers', { conversationId: conversation.id, userIds: [late.user.id] }, 30000);
    expect(added.conversation.lastSeq).toBe(2);
    const pushed = await late.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id);
    expect(pushed.conversation).toMatchObject({ lastSeq: 2, unread: 0 });
    const after = await send(early, conversation.id, 'after');
    await late.pushes.waitFor('message:new', isMsg(after.id));
    const mine = (await ok(late.socket, 'conversation:list', {})).conversations.find((c) => c.id === conversation.id)!;
    expect(mine.unread).toBe(1);
    const { messages } = await ok(late.socket, 'message:history', { conversationId: conversation.id });
    expect(messages.map((m) => m.text)).toEqual(['before 1', 'before 2', 'after']);
  });

  it("read:list gives every member's read marker, a late joiner's at the lastSeq of their joining, so receipts survive a reload", async () => {
    const owner = await newUser(platform.urls[0]!, 'qo');
    const early = await newUser(platform.urls[1]!, 'qe');
    const late = await newUser(platform.urls[1]!, 'ql');
    sockets.push(owner, early, late);
    const { conversation } = await retrying(() => ok(owner.socket, 'group:create', { name: 'Markers', memberIds: [early.user.id] }, 30000));
    const id = conversation.id;
    for (let i = 1; i <= 3; i++) await send(owner, id, `m${i}`);
    await ok(early.socket, 'conversation:read', { conversationId: id, seq: 2 });
    await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [late.user.id] }, 30000);
    await late.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id);
    await send(owner, id, 'm4');
    const markers = async (u: TestUser) => Object.fromEntries((await ok(u.socket, 'read:list', { conversationId: id })).reads.map((r) => [r.userId, r.seq]));
    expect(await retrying(() => markers(late))).toEqual({ [owner.user.id]: 0, [early.user.id]: 2, [late.user.id]: 3 });
    await ok(late.socket, 'conversation:read', { conversationId: id, seq: 4 });
    expect((await markers(owner))[late.user.id]).toBe(4);
  });
});

describe('privacy', () => {
  it('an outsider gets NOT_FOUND for every messaging call, and learns nothing from the list', async () => {
    const m = await send(alice, direct, 'private');
    const calls: [string, object][] = [
      ['message:send', { conversationId: direct, text: 'let me in', clientMsgId: 'intruder' }],
      ['message:edit', { messageId: m.id, text: 'x' }],
      ['message:delete', { messageId: m.id }],
      ['message:history', { conversationId: direct }],
      ['message:history', { conversationId: direct, afterSeq: 0 }],
      ['conversation:read', { conversationId: direct, seq: 1 }],
      ['read:list', { conversationId: direct }],
      ['message:send', { conversationId: 'a'.repeat(24), text: 'nobody', clientMsgId: 'x' }],
      ['message:edit', { messageId: `${'a'.repeat(24)}-1`, text: 'x' }],
      ['message:delete', { messageId: 'not-a-message-id' }],
      ['message:history', { conversationId: group }],
    ];
    for (const [event, payload] of calls) {
      const ack = await request(carol.socket, event as 'message:send', payload);
      expect({ event, ack }).toEqual({ event, ack: { ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } } });
    }
    expect((await ok(carol.socket, 'conversation:list', {})).conversations).toEqual([]);
    await sleep(300);
    expect(count(carol, 'message:new')).toBe(0);
    expect(count(carol, 'read:update')).toBe(0);
    const { messages } = await ok(alice.socket, 'message:history', { conversationId: direct, limit: 100 });
    expect(messages.some((x) => x.clientMsgId === 'intruder')).toBe(false);
  });

  it('a member removed from a group can no longer read or write it, and gets no more of its messages', async () => {
    const owner = await newUser(platform.urls[0]!, 'po');
    const gone = await newUser(platform.urls[1]!, 'pg');
    sockets.push(owner, gone);
    const { conversation } = await retrying(() => ok(owner.socket, 'group:create', { name: 'Shrinking', memberIds: [gone.user.id] }, 30000));
    await send(gone, conversation.id, 'here for now');
    await ok(owner.socket, 'group:removeMember', { conversationId: conversation.id, userId: gone.user.id }, 30000);
    expect(await gone.pushes.waitFor('conversation:removed', (p) => p.conversationId === conversation.id)).toEqual({ conversationId: conversation.id, reason: 'removed' });
    const after = await send(owner, conversation.id, 'after the removal');
    expect(await request(gone.socket, 'message:history', { conversationId: conversation.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(gone.socket, 'message:send', { conversationId: conversation.id, text: 'hello?', clientMsgId: 'g1' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    await sleep(300);
    expect(count(gone, 'message:new', isMsg(after.id))).toBe(0);
  });
});

describe('bad input', () => {
  it('gets the protocol codes and the socket stays connected', async () => {
    const valid = { conversationId: direct, text: 'fine', clientMsgId: 'bad-input-ok' };
    const cases: [string, unknown, string][] = [
      ['message:send', { ...valid, text: '   ' }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, text: '' }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, text: 'x'.repeat(LIMITS.textMax + 1) }, 'PAYLOAD_TOO_LARGE'],
      ['message:send', { ...valid, text: '😀'.repeat(LIMITS.textMax + 1) }, 'PAYLOAD_TOO_LARGE'],
      ['message:edit', { messageId: `${direct}-1`, text: 'x'.repeat(LIMITS.textMax + 1) }, 'PAYLOAD_TOO_LARGE'],
      ['message:edit', { messageId: `${direct}-1`, text: ' \n\t ' }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, conversationId: { $ne: null } }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, clientMsgId: { $gt: '' } }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: { $regex: '.*' } }, 'VALIDATION_FAILED'],
      ['message:delete', { messageId: { $exists: true } }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, text: 42 }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, clientMsgId: '' }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, clientMsgId: 'k'.repeat(LIMITS.clientMsgIdMax + 1) }, 'VALIDATION_FAILED'],
      ['message:send', { ...valid, extra: true }, 'VALIDATION_FAILED'],
      ['message:send', { conversationId: direct }, 'VALIDATION_FAILED'],
      ['conversation:read', { conversationId: direct, seq: '3' }, 'VALIDATION_FAILED'],
      ['conversation:read', { conversationId: direct, seq: -1 }, 'VALIDATION_FAILED'],
      ['conversation:read', { conversationId: direct, seq: 1.5 }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: 7 }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: direct, limit: 1_000_000 }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: direct, limit: LIMITS.historyLimitMax + 1 }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: direct, limit: 0 }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: direct, limit: 2.5 }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: direct, limit: '10' }, 'VALIDATION_FAILED'],
      ['message:history', { conversationId: direct, beforeSeq: 0 }, 'VALIDATION_FAILED'],
      ['message:send', null, 'VALIDATION_FAILED'],
      ['message:history', null, 'VALIDATION_FAILED'],
      ['conversation:read', null, 'VALIDATION_FAILED'],
      ['conversation:list', null, 'VALIDATION_FAILED'],
      ['message:send', 'a string', 'VALIDATION_FAILED'],
      ['message:send', [1, 2], 'VALIDATION_FAILED'],
    ];
    for (const [event, payload, code] of cases) {
      const ack = await request(alice.socket, event as 'message:send', payload);
      expect({ event, payload, ack }).toEqual({ event, payload, ack: { ok: false, error: { code, message: expect.any(String) } } });
      expect(JSON.stringify(ack)).not.toMatch(/\bat .*\.(js|ts):\d+/);
    }
    expect(alice.socket.connected).toBe(true);
    const m = await send(alice, direct, 'still here', 'bad-input-ok');
    expect(m.text).toBe('still here');
    const { messages } = await ok(alice.socket, 'message:history', { conversationId: direct, limit: LIMITS.historyLimitMax });
    expect(messages.some((x) => [...x.text].length > LIMITS.textMax)).toBe(false);
  });
});

describe('REST description', () => {
  it('the gateway serves an OpenAPI document with every REST call of the contracts', async () => {
    const res = await http<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(platform.url, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const missing = REST_CALLS.filter((c) => !res.body.paths[c.path]?.[c.method]).map((c) => `${c.method.toUpperCase()} ${c.path}`);
    expect(missing).toEqual([]);
  });
});
