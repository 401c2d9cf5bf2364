#!/usr/bin/env node
// A protocol walk through the platform started from the images: two users register over
// REST, connect Socket.IO, open a direct conversation, send a message that the other user
// receives as a push, and read it back from history. Touches every service: the gateway,
// auth (register), users (profiles, the direct conversation's members), messaging (send,
// history) and presence (connect events).
//   node scripts/images/smoke.mjs http://127.0.0.1:18080
// Prints TAP-like `ok` / `not ok` lines; exits non-zero on the first failure.
import { io } from 'socket.io-client';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const TIMEOUT = 20000;

async function step(name, fn) {
  try {
    const out = await fn();
    console.log(`ok - smoke: ${name}`);
    return out;
  } catch (err) {
    console.log(`not ok - smoke: ${name}: ${err?.message ?? err}`);
    process.exit(1);
  }
}

async function rest(method, path, body, token) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function connect(token) {
  return new Promise((resolve, reject) => {
    const socket = io(base, { transports: ['websocket'], auth: { token }, reconnection: false, timeout: TIMEOUT });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

// UNAVAILABLE means "the service did not answer in time; try again": right after start-up
// a service may still be joining its consumer groups, so such a request is retried.
async function request(socket, event, payload, tries = 4) {
  for (let i = 1; ; i++) {
    try {
      return await requestOnce(socket, event, payload);
    } catch (err) {
      if (i >= tries || !/UNAVAILABLE/.test(err.message)) throw err;
      console.log(`# ${event}: UNAVAILABLE, retry ${i}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function requestOnce(socket, event, payload) {
  return new Promise((resolve, reject) => {
    socket.timeout(TIMEOUT).emit(event, payload, (err, ack) => {
      if (err) return reject(new Error(`${event}: no ack`));
      if (!ack?.ok) return reject(new Error(`${event}: ${JSON.stringify(ack?.error)}`));
      resolve(ack.data);
    });
  });
}

const password = `pw-${suffix}-long-enough`;
const users = {};
for (const name of ['alice', 'bob']) {
  users[name] = await step(`register ${name} (gateway -> auth -> users)`, async () => {
    const r = await rest('POST', '/api/v1/auth/register', { username: `${name}${suffix}`, password, displayName: name });
    if (r.status !== 201) throw new Error(`status ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  });
}
await step('log in with the password', async () => {
  const r = await rest('POST', '/api/v1/auth/login', { username: `alice${suffix}`, password });
  if (r.status !== 200 || !r.body.accessToken) throw new Error(`status ${r.status}`);
});
await step('GET /api/v1/me with the access token', async () => {
  const r = await rest('GET', '/api/v1/me', null, users.alice.accessToken);
  if (r.status !== 200 || r.body.user.id !== users.alice.user.id) throw new Error(`status ${r.status} ${JSON.stringify(r.body)}`);
});
const alice = await step('alice connects over Socket.IO (WebSocket)', () => connect(users.alice.accessToken));
const bob = await step('bob connects over Socket.IO (WebSocket)', () => connect(users.bob.accessToken));
const conversation = await step('alice opens a direct conversation with bob', async () => {
  const data = await request(alice, 'conversation:direct', { userId: users.bob.user.id });
  return data.conversation;
});
const received = new Promise((resolve) => bob.on('message:new', (p) => resolve(p.message)));
const sent = await step('alice sends a message (messaging)', async () => {
  const data = await request(alice, 'message:send', { conversationId: conversation.id, text: 'hello from the images', clientMsgId: `smoke-${suffix}` });
  return data.message;
});
await step('bob receives it as a push (deliveries -> gateway)', async () => {
  const msg = await Promise.race([received, new Promise((_, rej) => setTimeout(() => rej(new Error('no message:new')), TIMEOUT))]);
  if (msg.id !== sent.id || msg.text !== 'hello from the images') throw new Error(JSON.stringify(msg));
});
await step('bob reads it back from history', async () => {
  const data = await request(bob, 'message:history', { conversationId: conversation.id });
  if (!data.messages.some((m) => m.id === sent.id)) throw new Error(JSON.stringify(data));
});
alice.close();
bob.close();
process.exit(0);
