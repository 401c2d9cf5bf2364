// The floor: a one-process, in-memory Socket.IO relay of the protocol's hot
// path (protocol.md), with no Kafka and no database. Whatever the platform
// costs above this is the price of its design (durability, services, Kafka),
// not of Node, Socket.IO or the load generator, which both share.
//
//   node bench/floor/server.mjs [--port 0]      prints "FLOOR_URL=http://127.0.0.1:<port>"
//
// What it serves: POST /api/v1/auth/register and /login (opaque tokens),
// GET /api/v1/health, GET /metrics (the heap gauge the sockets scenario
// reads), and on Socket.IO: conversation:direct, group:create,
// group:addMembers, message:send (ack + message:new to every socket of every
// member, seq per conversation, idempotent on clientMsgId). Anything else is
// acked VALIDATION_FAILED. It keeps everything in memory and stops on SIGTERM.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const users = new Map(); // id -> {id, username, displayName, password}
const byName = new Map(); // lower-case username -> id
const tokens = new Map(); // access token -> userId
const conversations = new Map(); // id -> {id, type, name, members: Map<userId, role>, lastSeq, lastMessage, createdAt, updatedAt, sent: Map<key, message>}
const directs = new Map(); // "a:b" (sorted) -> conversationId

const newId = () => randomBytes(12).toString('hex');
const now = () => new Date().toISOString();
const publicUser = (u) => ({ id: u.id, username: u.username, displayName: u.displayName });
const fail = (code, message) => ({ ok: false, error: { code, message } });
const ok = (data) => ({ ok: true, data });
const isId = (v) => typeof v === 'string' && v.length > 0 && v.length <= 64 && /^[A-Za-z0-9_-]+$/.test(v);

function session(user) {
  const accessToken = randomBytes(24).toString('base64url');
  tokens.set(accessToken, user.id);
  return { user: publicUser(user), accessToken, refreshToken: randomBytes(24).toString('base64url'), expiresIn: 900 };
}

function view(c) {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    members: [...c.members].map(([userId, role]) => ({ userId, role })),
    lastSeq: c.lastSeq,
    lastMessage: c.lastMessage,
    unread: 0,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function newConversation(type, name, members) {
  const at = now();
  const c = { id: newId(), type, name, members, lastSeq: 0, lastMessage: null, createdAt: at, updatedAt: at, sent: new Map() };
  conversations.set(c.id, c);
  return c;
}

// ---- REST ----------------------------------------------------------------

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= 32 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      if (size > 32 * 1024) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        resolve(undefined);
      }
    });
  });
}

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

const http = createServer(async (req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/api/v1/health') return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && url === '/metrics') {
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return res.end(
      `nodejs_heap_size_used_bytes ${m.heapUsed}\nnodejs_heap_size_total_bytes ${m.heapTotal}\nprocess_resident_memory_bytes ${m.rss}\n` +
        `chat_connected_sockets ${io.engine.clientsCount}\n`,
    );
  }
  if (req.method === 'POST' && (url === '/api/v1/auth/register' || url === '/api/v1/auth/login')) {
    const body = await readJson(req);
    const username = typeof body?.username === 'string' ? body.username : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    if (!USERNAME.test(username) || password.length < 8 || password.length > 128) {
      return send(res, 400, { error: { code: 'VALIDATION_FAILED', message: 'bad username or password' } });
    }
    const lower = username.toLowerCase();
    if (url.endsWith('/register')) {
      if (byName.has(lower)) return send(res, 409, { error: { code: 'CONFLICT', message: 'username taken' } });
      const displayName = typeof body.displayName === 'string' && body.displayName.trim() ? body.displayName.trim() : lower;
      const user = { id: newId(), username: lower, displayName, password };
      users.set(user.id, user);
      byName.set(lower, user.id);
      return send(res, 201, session(user));
    }
    const user = users.get(byName.get(lower));
    if (!user || user.password !== password) return send(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'wrong username or password' } });
    return send(res, 200, session(user));
  }
  send(res, 404, { error: { code: 'NOT_FOUND', message: 'not here' } });
});

// ---- Socket.IO -------------------------------------------------------------

// The same server options as the gateway's adapter (services/gateway/src/realtime/socket.adapter.ts).
const io = new Server(http, {
  path: '/socket.io',
  transports: ['websocket'],
  serveClient: false,
  maxHttpBufferSize: 64 * 1024,
  perMessageDeflate: false,
  httpCompression: false,
  pingInterval: 20000,
  pingTimeout: 20000,
  connectTimeout: 10000,
});
io.engine.on('connection', (raw) => {
  raw.request = null;
});

io.use((socket, next) => {
  const userId = tokens.get(socket.handshake.auth?.token);
  if (!userId) return next(new Error('UNAUTHENTICATED'));
  socket.data = { userId };
  next();
});

const room = (userId) => `u:${userId}`;
const membersRooms = (c) => [...c.members.keys()].map(room);

const handlers = {
  'conversation:direct'(userId, p) {
    if (!isId(p?.userId)) return fail('VALIDATION_FAILED', 'userId');
    if (p.userId === userId) return fail('VALIDATION_FAILED', 'not yourself');
    if (!users.has(p.userId)) return fail('NOT_FOUND', 'no such user');
    const key = [userId, p.userId].sort().join(':');
    let c = conversations.get(directs.get(key));
    if (!c) {
      c = newConversation('direct', null, new Map([[userId, 'member'], [p.userId, 'member']]));
      directs.set(key, c.id);
      io.to(membersRooms(c)).emit('conversation:updated', { conversation: view(c) });
    }
    return ok({ conversation: view(c) });
  },
  'group:create'(userId, p) {
    const name = typeof p?.name === 'string' ? p.name.trim() : '';
    if (!name || name.length > 64 || !Array.isArray(p.memberIds) || p.memberIds.length > 1000 || !p.memberIds.every(isId)) {
      return fail('VALIDATION_FAILED', 'name or memberIds');
    }
    if (!p.memberIds.every((id) => users.has(id))) return fail('NOT_FOUND', 'no such user');
    const members = new Map([[userId, 'owner']]);
    for (const id of p.memberIds) if (!members.has(id)) members.set(id, 'member');
    const c = newConversation('group', name, members);
    io.to(membersRooms(c)).emit('conversation:updated', { conversation: view(c) });
    return ok({ conversation: view(c) });
  },
  'group:addMembers'(userId, p) {
    if (!isId(p?.conversationId) || !Array.isArray(p.userIds) || p.userIds.length < 1 || p.userIds.length > 1000 || !p.userIds.every(isId)) {
      return fail('VALIDATION_FAILED', 'conversationId or userIds');
    }
    const c = conversations.get(p.conversationId);
    if (!c || !c.members.has(userId)) return fail('NOT_FOUND', 'no such conversation');
    if (c.type !== 'group') return fail('VALIDATION_FAILED', 'not a group');
    if (c.members.get(userId) === 'member') return fail('FORBIDDEN', 'admins and owners only');
    if (!p.userIds.every((id) => users.has(id))) return fail('NOT_FOUND', 'no such user');
    let changed = false;
    for (const id of p.userIds) {
      if (!c.members.has(id)) {
        c.members.set(id, 'member');
        changed = true;
      }
    }
    if (changed) {
      c.updatedAt = now();
      io.to(membersRooms(c)).emit('conversation:updated', { conversation: view(c) });
    }
    return ok({ conversation: view(c) });
  },
  'message:send'(userId, p) {
    if (!isId(p?.conversationId) || typeof p.text !== 'string' || typeof p.clientMsgId !== 'string' || !p.clientMsgId || p.clientMsgId.length > 128) {
      return fail('VALIDATION_FAILED', 'conversationId, text or clientMsgId');
    }
    const text = p.text.trim();
    if (!text) return fail('VALIDATION_FAILED', 'blank text');
    if ([...text].length > 4000) return fail('PAYLOAD_TOO_LARGE', 'text too long');
    const c = conversations.get(p.conversationId);
    if (!c || !c.members.has(userId)) return fail('NOT_FOUND', 'no such conversation');
    const key = `${userId}\u0000${p.clientMsgId}`;
    const earlier = c.sent.get(key);
    if (earlier) return ok({ message: earlier });
    const seq = ++c.lastSeq;
    const at = now();
    const message = { id: `${c.id}-${seq}`, conversationId: c.id, seq, senderId: userId, text, clientMsgId: p.clientMsgId, createdAt: at, editedAt: null, deletedAt: null };
    c.sent.set(key, message);
    c.lastMessage = message;
    c.updatedAt = at;
    io.to(membersRooms(c)).emit('message:new', { message });
    return ok({ message });
  },
};

io.on('connection', (socket) => {
  const { userId } = socket.data;
  void socket.join(room(userId));
  socket.onAny((event, payload, ack) => {
    if (typeof ack !== 'function') return;
    const handler = handlers[event];
    ack(handler ? handler(userId, payload) : fail('VALIDATION_FAILED', `unsupported by the floor: ${event}`));
  });
});

http.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`FLOOR_URL=http://127.0.0.1:${http.address().port}\n`);
});

const stop = () => {
  io.close();
  http.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
