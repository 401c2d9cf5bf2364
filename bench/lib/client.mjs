// The protocol as a load generator speaks it (../shared/protocol.md): REST
// registration, Socket.IO connections, requests with acks. Every wait here
// has a timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';

export const PASSWORD = 'bench-password-1';

/** Runs fn over items with at most `concurrency` at a time; resolves to the results in order. */
export async function pool(items, concurrency, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * POST /api/v1/auth/register. Retries a refusal that says "later" (429, 503)
 * or a dropped connection a few times with backoff; anything else throws.
 */
export async function register(baseUrl, username, { attempts = 12, timeoutMs = 30000 } = {}) {
  let lastError;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const res = await fetch(`${baseUrl}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 201) return { id: body.user.id, username, token: body.accessToken };
      // A retry after an answer that came too late: the first attempt made the account.
      if (res.status === 409 && attempt > 0) return await login(baseUrl, username, { timeoutMs });
      lastError = new Error(`register ${username}: HTTP ${res.status} ${JSON.stringify(body.error ?? body)}`);
      if (res.status !== 429 && res.status !== 503) throw lastError;
    } catch (err) {
      lastError = err;
      if (/HTTP (4\d\d)/.test(err.message) && !/HTTP (429)/.test(err.message)) throw err;
    }
    await sleep(Math.min(5000, 250 * 2 ** attempt));
  }
  throw lastError;
}

export async function login(baseUrl, username, { timeoutMs = 30000 } = {}) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status !== 200) throw new Error(`login ${username}: HTTP ${res.status} ${JSON.stringify(body.error ?? body)}`);
  return { id: body.user.id, username, token: body.accessToken };
}

/** One Socket.IO connection as the protocol says; resolves once connected. No automatic reconnection: a drop is a result. */
export function connect(baseUrl, token, { timeoutMs = 20000, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const socket = io(baseUrl, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      timeout: timeoutMs,
      forceNew: true,
      ...(localAddress ? { localAddress } : {}),
    });
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('connect timed out'));
    }, timeoutMs + 1000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}

/** Emits a request and resolves to its ack's data; a refusal or a timeout throws. */
export function request(socket, event, payload, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) return reject(new Error(`${event}: no ack in ${timeoutMs} ms`));
      if (!ack?.ok) return reject(Object.assign(new Error(`${event}: ${ack?.error?.code} ${ack?.error?.message}`), { code: ack?.error?.code }));
      resolve(ack.data);
    });
  });
}

/** Retries a request that was refused with a transient code (the platform's read-your-writes may lag a moment). */
export async function requestRetry(socket, event, payload, { attempts = 6, timeoutMs = 30000 } = {}) {
  for (let i = 0; ; i++) {
    try {
      return await request(socket, event, payload, timeoutMs);
    } catch (err) {
      if (i + 1 >= attempts || !['NOT_FOUND', 'UNAVAILABLE', 'RATE_LIMITED', undefined].includes(err.code)) throw err;
      await sleep(250 * 2 ** i);
    }
  }
}
