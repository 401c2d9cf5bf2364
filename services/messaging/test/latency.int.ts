import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Platform, ok, type TestUser } from '@chat/testing';
import type { Message } from '@chat/contracts';
import { close, directBetween, newUser, percentile, startPatiently } from './helpers';

/**
 * End-to-end latency of one message: from the sender's emit to the other
 * member's `message:new`, one message at a time (an unloaded platform), over
 * 1,000 messages. The figures go to the log and to
 * .logs/tests/messaging-latency.json; the only assertion is that each one
 * arrives.
 */
let platform: Platform;
const users: TestUser[] = [];

beforeAll(async () => {
  platform = new Platform({ env: { RATE_LIMITS: 'off' } });
  await startPatiently(platform);
}, 300_000);

afterAll(async () => {
  close(...users);
  await platform?.stop();
});

it('measures send → other member message:new over 1,000 messages (p50, p99)', async () => {
  const sender = await newUser(platform.url, 'ls');
  const reader = await newUser(platform.url, 'lr');
  users.push(sender, reader);
  const id = await directBetween(sender, reader);
  const n = Number(process.env['LATENCY_MESSAGES'] ?? 1000);
  const warmup = 20;
  const e2e: number[] = [];
  const ack: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const clientMsgId = `lat-${i}`;
    const started = performance.now();
    const delivered = new Promise<number>((resolve) => {
      const onNew = (p: { message: Message }) => {
        if (p.message.clientMsgId !== clientMsgId) return;
        reader.socket.off('message:new', onNew);
        resolve(performance.now());
      };
      reader.socket.on('message:new', onNew);
    });
    await ok(sender.socket, 'message:send', { conversationId: id, text: `t=${Date.now()}`, clientMsgId }, 20000);
    const acked = performance.now();
    const arrived = await delivered;
    if (i >= warmup) {
      e2e.push(arrived - started);
      ack.push(acked - started);
    }
  }
  const summary = (xs: number[]) => ({
    p50: +percentile(xs, 50).toFixed(2),
    p90: +percentile(xs, 90).toFixed(2),
    p99: +percentile(xs, 99).toFixed(2),
    max: +Math.max(...xs).toFixed(2),
  });
  const result = { messages: n, e2eMs: summary(e2e), ackMs: summary(ack), at: new Date().toISOString() };
  const dir = resolve(__dirname, '../../../.logs/tests');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'messaging-latency.json'), JSON.stringify(result, null, 2));
  console.log(`messaging latency over ${n} messages: ${JSON.stringify(result)}`);
  expect(e2e).toHaveLength(n);
}, 600_000);
