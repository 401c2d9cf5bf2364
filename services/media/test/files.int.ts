import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { connectedUser, http, ok, request, startPlatform, type Platform, type TestUser } from '@chat/testing';
import type { Attachment, Message, User } from '@chat/contracts';

/**
 * Protocol v1.1, Files and avatars, through the gateway only, against the real
 * services, Kafka, FerretDB and the S3-compatible store the harness started
 * (SeaweedFS, S3_ENDPOINT): who may fetch, what is served how, the limits,
 * deletion and the sweeping of uploads never sent.
 */
const START_MS = Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000;
const ACK_MS = 45_000;
const UPLOAD_MAX = 300_000;
const AVATAR_MAX = 100_000;

let platform: Platform;
let url: string;
const everyone: TestUser[] = [];

beforeAll(async () => {
  platform = await startPlatform({ env: { REQUEST_TIMEOUT_MS: '30000', RATE_LIMITS: 'off', UPLOAD_MAX_BYTES: String(UPLOAD_MAX), AVATAR_MAX_BYTES: String(AVATAR_MAX) } });
  url = platform.url;
  await person(url); // the first registration waits until every consumer group has its partitions
}, START_MS);

afterAll(async () => {
  for (const u of everyone) u.socket.close();
  await platform?.stop();
});

async function person(base = url): Promise<TestUser> {
  for (let attempt = 1; ; attempt++) {
    try {
      const u = await connectedUser(base);
      everyone.push(u);
      return u;
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(2000);
    }
  }
}

const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.accessToken}` });

function png(width: number, height: number, colour = '#3366cc'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

/** A multipart request with one file; `claimedType` is what the client says, which must not matter. */
async function putFile(base: string, u: TestUser, method: 'POST' | 'PUT', path: string, bytes: Buffer, name: string, claimedType = 'application/octet-stream', field = 'file') {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], { type: claimedType }), name);
  const res = await fetch(`${base}${path}`, { method, body: form, headers: bearer(u) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { attachment?: Attachment; user?: User; error?: { code: string } }) : {} };
}

async function upload(u: TestUser, bytes: Buffer, name: string, claimedType?: string, base = url): Promise<Attachment> {
  const res = await putFile(base, u, 'POST', '/api/v1/uploads', bytes, name, claimedType);
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.attachment!;
}

async function fetchFile(path: string, base = url) {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function group(owner: TestUser, members: TestUser[]): Promise<string> {
  return (await ok(owner.socket, 'group:create', { name: 'files', memberIds: members.map((m) => m.user.id) }, ACK_MS)).conversation.id;
}

let msgNo = 0;
async function send(u: TestUser, conversationId: string, attachmentIds: string[], text = ''): Promise<Message> {
  return (await ok(u.socket, 'message:send', { conversationId, text, clientMsgId: `m${++msgNo}`, attachmentIds }, ACK_MS)).message;
}

async function sendCode(u: TestUser, conversationId: string, attachmentIds: string[]): Promise<string> {
  const ack = await request(u.socket, 'message:send', { conversationId, text: 'x', clientMsgId: `m${++msgNo}`, attachmentIds }, ACK_MS);
  return ack.ok ? 'ok' : ack.error.code;
}

/** Asks until the status is the one expected (an event's effect lands beside the ack). */
async function eventuallyStatus(path: string, expected: number, base = url, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < until) {
    last = (await fetchFile(path, base)).status;
    if (last === expected) return;
    await sleep(250);
  }
  throw new Error(`${path}: expected ${expected}, still ${last}`);
}

describe('uploads and sending', () => {
  it('an image upload answers its sniffed type, size and signed URLs; the bytes and a WebP thumbnail of at most 480x480 come back', async () => {
    const alice = await person();
    const bytes = await png(1200, 600);
    const a = await upload(alice, bytes, 'C:\\shots\\screen.png', 'image/png');
    expect(a).toMatchObject({ name: 'screen.png', size: bytes.length, contentType: 'image/png', width: 1200, height: 600 });
    expect(a.url).toMatch(/^\/api\/v1\/files\/[A-Za-z0-9_-]+\/original\?e=\d+&s=[A-Za-z0-9_-]+$/);
    const original = await fetchFile(a.url);
    expect(original.status).toBe(200);
    expect(original.bytes.equals(bytes)).toBe(true);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('content-disposition')).toBe(`inline; filename="screen.png"; filename*=UTF-8''screen.png`);
    expect(original.headers.get('x-content-type-options')).toBe('nosniff');
    expect(original.headers.get('content-security-policy')).toBe("default-src 'none'");
    const thumb = await fetchFile(a.thumbnailUrl!);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(thumb.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 480, 240]);
  });

  it('a message carries several attachments to every member live and in history, each with fresh URLs a member can fetch', async () => {
    const [alice, bob] = [await person(), await person()];
    const id = await group(alice, [bob]);
    const image = await upload(alice, await png(40, 30), 'dot.png');
    const log = await upload(alice, Buffer.from('2030-01-01 INFO started\n2030-01-01 WARN slow\n'), 'server.log');
    const pdf = await upload(alice, Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'), 'spec.pdf');
    const sent = await send(alice, id, [image.id, log.id, pdf.id], 'three files');
    expect(sent.attachments.map((x) => [x.name, x.contentType, !!x.thumbnailUrl])).toEqual([
      ['dot.png', 'image/png', true],
      ['server.log', 'text/plain', false],
      ['spec.pdf', 'application/pdf', false],
    ]);
    const live = await bob.pushes.waitFor('message:new', (m) => m.message.id === sent.id, 20_000);
    expect(live.message.attachments).toHaveLength(3);
    const history = (await ok(bob.socket, 'message:history', { conversationId: id }, ACK_MS)).messages.find((m) => m.id === sent.id)!;
    const [, text, doc] = history.attachments;
    const served = await fetchFile(text!.url);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'text/plain; charset=utf-8']);
    const download = await fetchFile(doc!.url);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="spec.pdf"; filename*=UTF-8''spec.pdf`);
  });

  it('an upload goes into one message only: a second use, someone else\'s upload, an unknown id, or more than 10 are VALIDATION_FAILED', async () => {
    const [alice, bob] = [await person(), await person()];
    const id = await group(alice, [bob]);
    const a = await upload(alice, Buffer.from('hello'), 'a.txt');
    await send(alice, id, [a.id]);
    expect(await sendCode(alice, id, [a.id])).toBe('VALIDATION_FAILED');
    const bobs = await upload(bob, Buffer.from('mine'), 'b.txt');
    expect(await sendCode(alice, id, [bobs.id])).toBe('VALIDATION_FAILED');
    expect(await sendCode(alice, id, ['doesNotExist123'])).toBe('VALIDATION_FAILED');
    expect(await sendCode(alice, id, Array.from({ length: 11 }, (_, i) => `x${i}`))).toBe('VALIDATION_FAILED');
    // Bob's refused upload was not taken by the refusal: he can still send it.
    expect((await send(bob, id, [bobs.id])).attachments[0]!.id).toBe(bobs.id);
  });

  it('a retried send (same clientMsgId) answers the same message with the same attachments', async () => {
    const alice = await person();
    const id = await group(alice, []);
    const a = await upload(alice, Buffer.from('retry'), 'r.txt');
    const payload = { conversationId: id, text: '', clientMsgId: 'retry-1', attachmentIds: [a.id] };
    const first = (await ok(alice.socket, 'message:send', payload, ACK_MS)).message;
    const again = (await ok(alice.socket, 'message:send', payload, ACK_MS)).message;
    expect(again.id).toBe(first.id);
    expect(again.attachments.map((x) => x.id)).toEqual([a.id]);
  });
});

describe('who may fetch', () => {
  it('an outsider who knows the id gets 404 without a signature, with another file\'s signature, or with an altered URL', async () => {
    const [alice, bob] = [await person(), await person()];
    const id = await group(alice, [bob]);
    const secret = await upload(alice, Buffer.from('the secret plan'), 'plan.txt');
    const other = await upload(alice, Buffer.from('public'), 'other.txt');
    await send(alice, id, [secret.id, other.id]);
    const path = `/api/v1/files/${secret.id}/original`;
    const query = new URL(secret.url, 'http://x').searchParams;
    const otherQuery = new URL(other.url, 'http://x').searchParams;
    const e = query.get('e')!;
    const s = query.get('s')!;
    const tries = [
      path,
      `${path}?e=${e}`,
      `${path}?e=${otherQuery.get('e')}&s=${otherQuery.get('s')}`,
      `${path}?e=${Number(e) + 3600}&s=${s}`,
      `${path}?e=${e}&s=${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`,
      `/api/v1/files/${secret.id}/thumbnail?e=${e}&s=${s}`,
      `/api/v1/files/${secret.id}/original?e=${e}&s=${s}&s=${s}`,
    ];
    for (const t of tries) {
      const res = await http<{ error: { code: string } }>(url, 'GET', t);
      expect([t, res.status, res.body.error?.code]).toEqual([t, 404, 'NOT_FOUND']);
    }
    expect((await fetchFile(secret.url)).status).toBe(200);
  });

  it('deleting a message deletes its files: their URLs answer 404 from then on', async () => {
    const alice = await person();
    const id = await group(alice, []);
    const a = await upload(alice, await png(20, 20), 'gone.png');
    const sent = await send(alice, id, [a.id]);
    expect((await fetchFile(sent.attachments[0]!.url)).status).toBe(200);
    const deleted = (await ok(alice.socket, 'message:delete', { messageId: sent.id }, ACK_MS)).message;
    expect(deleted.attachments).toEqual([]);
    await eventuallyStatus(sent.attachments[0]!.url, 404);
    await eventuallyStatus(sent.attachments[0]!.thumbnailUrl!, 404);
  });
});

describe('what is served how', () => {
  it('an HTML file named .png and claimed as image/png is text/html by its bytes, served as an octet-stream download', async () => {
    const alice = await person();
    const a = await upload(alice, Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>'), 'cat.png', 'image/png');
    expect([a.contentType, a.width, a.thumbnailUrl]).toEqual(['text/html', null, null]);
    const served = await fetchFile(a.url);
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename="cat.png"; filename*=UTF-8''cat.png`);
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a PNG named notes.txt and claimed as text/plain is an image by its bytes; a name with a path and a bidi override is cleaned', async () => {
    const alice = await person();
    const a = await upload(alice, await png(10, 10), 'notes.txt', 'text/plain');
    expect([a.contentType, a.width, a.height, !!a.thumbnailUrl]).toEqual(['image/png', 10, 10, true]);
    const b = await upload(alice, Buffer.from('MZ binary?'), '../../evil\u202Egnp.exe', 'image/png');
    expect(b.name).toBe('evilgnp.exe');
    const served = await fetchFile(b.url);
    expect(served.headers.get('content-disposition')).toContain(`filename*=UTF-8''evilgnp.exe`);
  });
});

describe('limits', () => {
  it('an upload over UPLOAD_MAX_BYTES is 413 PAYLOAD_TOO_LARGE, one at the limit passes', async () => {
    const alice = await person();
    const over = await putFile(url, alice, 'POST', '/api/v1/uploads', Buffer.alloc(UPLOAD_MAX + 1, 1), 'big.bin');
    expect([over.status, over.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const far = await putFile(url, alice, 'POST', '/api/v1/uploads', Buffer.alloc(UPLOAD_MAX * 4, 1), 'bigger.bin');
    expect([far.status, far.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await upload(alice, Buffer.alloc(UPLOAD_MAX, 1), 'exact.bin')).size).toBe(UPLOAD_MAX);
  });

  it('an upload needs a token, the field "file" and a file (401, 400)', async () => {
    const alice = await person();
    const anonymous = await fetch(`${url}/api/v1/uploads`, { method: 'POST', body: new FormData() });
    expect(anonymous.status).toBe(401);
    const wrongField = await putFile(url, alice, 'POST', '/api/v1/uploads', Buffer.from('x'), 'x.txt', 'text/plain', 'upload');
    expect([wrongField.status, wrongField.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const json = await http<{ error: { code: string } }>(url, 'POST', '/api/v1/uploads', { file: 'x' }, bearer(alice));
    expect([json.status, json.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('avatars', () => {
  it('PUT /me/avatar answers the user with a new avatarUrl, pushes user:updated, and serves a 256x256 WebP; DELETE removes it', async () => {
    const alice = await person();
    const put = await putFile(url, alice, 'PUT', '/api/v1/me/avatar', await png(800, 600), 'me.png', 'image/png');
    expect(put.status).toBe(200);
    const avatarUrl = put.body.user!.avatarUrl!;
    expect(avatarUrl).toMatch(/^\/api\/v1\/avatars\/[A-Za-z0-9_-]+$/);
    await alice.pushes.waitFor('user:updated', (u) => u.user.avatarUrl === avatarUrl, 20_000);
    const image = await fetchFile(avatarUrl);
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const meta = await sharp(image.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    expect((await http<{ user: User }>(url, 'GET', '/api/v1/me', undefined, bearer(alice))).body.user.avatarUrl).toBe(avatarUrl);

    const second = await putFile(url, alice, 'PUT', '/api/v1/me/avatar', await png(64, 64, '#cc3333'), 'me2.png');
    expect(second.body.user!.avatarUrl).not.toBe(avatarUrl);
    await eventuallyStatus(avatarUrl, 404); // the replaced one is deleted

    const removed = await http(url, 'DELETE', '/api/v1/me/avatar', undefined, bearer(alice));
    expect(removed.status).toBe(204);
    await alice.pushes.waitFor('user:updated', (u) => u.user.avatarUrl === null, 20_000);
    await eventuallyStatus(second.body.user!.avatarUrl!, 404);
  });

  it('refuses an avatar that is not an image by its bytes (400) or is over AVATAR_MAX_BYTES (413)', async () => {
    const alice = await person();
    const text = await putFile(url, alice, 'PUT', '/api/v1/me/avatar', Buffer.from('<svg onload="alert(1)"/>'), 'me.png', 'image/png');
    expect([text.status, text.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const big = await putFile(url, alice, 'PUT', '/api/v1/me/avatar', Buffer.alloc(AVATAR_MAX + 1, 7), 'big.png', 'image/png');
    expect([big.status, big.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });
});

describe('expiry and cleanup (short lifetimes)', () => {
  let short: Platform;
  let base: string;

  beforeAll(async () => {
    short = await startPlatform({ env: { REQUEST_TIMEOUT_MS: '30000', RATE_LIMITS: 'off', MEDIA_URL_TTL_SEC: '4', UNCLAIMED_TTL_SEC: '3', SWEEP_INTERVAL_SEC: '1' } });
    base = short.url;
    await person(base);
  }, START_MS);

  afterAll(async () => {
    await short?.stop();
  });

  it('an expired URL is 404, and a member removed from the group gets no fresh one', async () => {
    const [alice, bob] = [await person(base), await person(base)];
    const id = await group(alice, [bob]);
    const a = await upload(alice, Buffer.from('expiring'), 'e.txt', undefined, base);
    const sent = await send(alice, id, [a.id]);
    const bobsUrl = (await bob.pushes.waitFor('message:new', (m) => m.message.id === sent.id, 20_000)).message.attachments[0]!.url;
    expect((await fetchFile(bobsUrl, base)).status).toBe(200);
    await ok(alice.socket, 'group:removeMember', { conversationId: id, userId: bob.user.id }, ACK_MS);
    const expires = Number(new URL(bobsUrl, 'http://x').searchParams.get('e'));
    await sleep(Math.max(0, expires * 1000 - Date.now()) + 1000);
    expect((await fetchFile(bobsUrl, base)).status).toBe(404);
    const history = await request(bob.socket, 'message:history', { conversationId: id }, ACK_MS);
    expect(history.ok ? 'ok' : history.error.code).toBe('NOT_FOUND');
    // A member still in the group asks the history again and fetches with a fresh URL.
    const fresh = (await ok(alice.socket, 'message:history', { conversationId: id }, ACK_MS)).messages.find((m) => m.id === sent.id)!;
    expect((await fetchFile(fresh.attachments[0]!.url, base)).status).toBe(200);
  });

  it('an upload never sent is deleted after UNCLAIMED_TTL_SEC: its URL is 404 and a send cannot use it', async () => {
    const alice = await person(base);
    const id = await group(alice, []);
    const a = await upload(alice, Buffer.from('forgotten'), 'f.txt', undefined, base);
    await eventuallyStatus(a.url, 404, base, 20_000);
    expect(await sendCode(alice, id, [a.id])).toBe('VALIDATION_FAILED');
  });
});
