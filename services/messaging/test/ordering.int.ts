import { Platform, ok, type TestUser } from '@chat/testing';
import type { Message } from '@chat/contracts';
import { close, newUser, restartPatiently, retrying, send, startPatiently } from './helpers';

/**
 * Two messaging processes share the commands topic. Seq is assigned by the
 * owner of the conversation's partition and fenced by the unique message id,
 * so it stays contiguous with concurrent senders, even when the partition
 * changes hands in the middle (one process is killed and comes back).
 */
let platform: Platform;
const users: TestUser[] = [];

beforeAll(async () => {
  platform = new Platform({ replicas: { messaging: 2 }, env: { RATE_LIMITS: 'off' } });
  await startPatiently(platform, { messaging: 2 });
}, 300_000);

afterAll(async () => {
  close(...users);
  await platform?.stop();
});

it('three concurrent senders in one group get seq 1..N with no gap or repeat, each in their own order, and every member gets every message', async () => {
  const owner = await newUser(platform.url, 'so');
  const a = await newUser(platform.url, 'sa');
  const b = await newUser(platform.url, 'sb');
  users.push(owner, a, b);
  const { conversation } = await retrying(() => ok(owner.socket, 'group:create', { name: 'Race', memberIds: [a.user.id, b.user.id] }, 30000));
  for (const u of [a, b]) await u.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id, 15000);
  const perSender = 40;
  const senders = [owner, a, b];
  const acked = new Map<string, Message[]>(senders.map((u) => [u.user.id, []]));
  const run = (u: TestUser) =>
    (async () => {
      for (let i = 0; i < perSender; i++) {
        // Retries on a timeout with the same key are safe (and needed while a process restarts).
        const key = `${u.user.username}-${i}`;
        for (let attempt = 0; ; attempt++) {
          try {
            acked.get(u.user.id)!.push(await send(u, conversation.id, `${u.user.username} #${i}`, key));
            break;
          } catch (err) {
            if (attempt >= 10) throw err;
          }
        }
      }
    })();
  const total = perSender * senders.length;
  const ackedSoFar = () => [...acked.values()].reduce((n, list) => n + list.length, 0);
  const sending = senders.map(run);
  // Once a third is acked, the process that owns the conversation's partition (read from the
  // group's assignment) dies and comes back: the partition moves to the other process and back.
  for (let i = 0; i < 600 && ackedSoFar() < total / 3; i++) await new Promise((r) => setTimeout(r, 50));
  const owner1 = await platform.ownerOf('messaging', 'messagingCommands', conversation.id);
  const ackedAtKill = ackedSoFar();
  // It is the one storing this conversation's messages (the only conversation with sends here).
  expect(await platform.counter('messaging', owner1.index, 'chat_messaging_send_step_seconds_count', { step: 'store' })).toBeGreaterThan(0);
  await platform.signal('messaging', owner1.index, 'SIGKILL');
  await restartPatiently(platform, 'messaging', owner1.index);
  await Promise.all(sending);
  // The kill landed mid-stream: some sends were acked before it, and some after.
  expect(ackedAtKill).toBeGreaterThanOrEqual(total / 3);
  expect(ackedAtKill).toBeLessThan(total);

  const history: Message[] = [];
  for (let after = 0; ; ) {
    const page = await ok(owner.socket, 'message:history', { conversationId: conversation.id, afterSeq: after, limit: 100 });
    history.push(...page.messages);
    if (!page.hasMore) break;
    after = page.messages[page.messages.length - 1]!.seq;
  }
  expect(history.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  expect(new Set(history.map((m) => `${m.senderId}/${m.clientMsgId}`)).size).toBe(total);
  for (const u of senders) {
    const mine = history.filter((m) => m.senderId === u.user.id).map((m) => m.text);
    expect(mine).toEqual(Array.from({ length: perSender }, (_, i) => `${u.user.username} #${i}`));
    // What each sender was acked is what history holds.
    expect(acked.get(u.user.id)!.map((m) => m.id)).toEqual(history.filter((m) => m.senderId === u.user.id).map((m) => m.id));
  }
  for (const u of senders) {
    const last = history[history.length - 1]!;
    await u.pushes.waitFor('message:new', (p) => p.message.id === last.id, 20000);
    const got = new Set(u.pushes.of('message:new').map((p) => p.message.id));
    expect(history.filter((m) => !got.has(m.id)).map((m) => m.seq)).toEqual([]);
  }
}, 240_000);
