// Users, sockets and conversations on one target, made through the protocol
// and kept for the scenarios that follow (registration is the slow part: the
// platform hashes each password with argon2id).
import { randomBytes } from 'node:crypto';
import { connect, login, pool, register, requestRetry } from './client.mjs';

export class Population {
  constructor(target, { registerConcurrency, connectConcurrency = 50, say = () => undefined, placement = 'across' }) {
    this.target = target;
    this.url = target.url;
    /**
     * Where sockets connect (several gateways with --gateways): `across`, user i to urls[i mod n],
     * so each direct pair spans two gateways; `together`, user i to urls[floor(i/2) mod n], so
     * each pair (users 2i and 2i+1) shares one.
     */
    this.urls = target.urls?.length ? target.urls : [target.url];
    this.placement = placement;
    this.tag = randomBytes(3).toString('hex');
    this.users = []; // {id, username, token, socket?}
    this.pairs = []; // direct conversations of users 2i and 2i+1
    this.registerConcurrency = registerConcurrency ?? (target.name === 'floor' ? 32 : 4);
    this.connectConcurrency = connectConcurrency;
    this.say = say;
  }

  /**
   * Health 200 does not mean every consumer group has joined: the first
   * registration may wait a while on a fresh platform (or a crowded machine).
   * One registration with long patience before the bulk.
   */
  async ready(timeoutS = 300) {
    const started = performance.now();
    const until = Date.now() + timeoutS * 1000;
    for (;;) {
      try {
        const name = `b${this.tag}u0`;
        // A 409 here means an earlier attempt made the account but answered too late.
        this.users.push(await register(this.url, name, { attempts: 3 }).catch((err) => (/HTTP 409/.test(err.message) ? login(this.url, name) : Promise.reject(err))));
        this.readyS = (performance.now() - started) / 1000;
        return this.readyS;
      } catch (err) {
        if (Date.now() > until) throw new Error(`${this.target.name} did not register a user within ${timeoutS} s: ${err.message}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  async ensureUsers(n) {
    if (this.users.length >= n) return this.users.slice(0, n);
    const from = this.users.length;
    const started = performance.now();
    const names = Array.from({ length: n - from }, (_, i) => `b${this.tag}u${from + i}`);
    let done = 0;
    const made = await pool(names, this.registerConcurrency, async (name) => {
      const u = await register(this.url, name);
      if (++done % 500 === 0) this.say(`${this.target.name}: registered ${from + done}/${n}`);
      return u;
    });
    this.users.push(...made);
    this.registerSeconds = (this.registerSeconds ?? 0) + (performance.now() - started) / 1000;
    this.registerRate = made.length / ((performance.now() - started) / 1000);
    return this.users.slice(0, n);
  }

  /** Users 0..n-1, each with one connected socket. */
  async connected(n) {
    const users = await this.ensureUsers(n);
    const index = new Map(users.map((u, i) => [u, i]));
    const todo = users.filter((u) => !u.socket || !u.socket.connected);
    const started = performance.now();
    await pool(todo, this.connectConcurrency, async (u) => {
      const i = index.get(u);
      const url = this.urls[(this.placement === 'together' ? Math.floor(i / 2) : i) % this.urls.length];
      // A crowded machine may miss a handshake deadline; a few tries before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          u.socket = await connect(url, u.token, { timeoutMs: 30000 });
          return;
        } catch (err) {
          if (attempt >= 4 || err.message === 'UNAUTHENTICATED') throw err;
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    });
    if (todo.length) this.connectRate = todo.length / ((performance.now() - started) / 1000);
    return users;
  }

  /** n direct conversations: users 2i and 2i+1, both connected. */
  async directPairs(n) {
    const users = await this.connected(2 * n);
    const missing = [];
    for (let i = this.pairs.length; i < n; i++) missing.push(i);
    const made = await pool(missing, 16, async (i) => {
      const a = users[2 * i];
      const b = users[2 * i + 1];
      const { conversation } = await requestRetry(a.socket, 'conversation:direct', { userId: b.id });
      return { id: conversation.id, size: 2, members: [a, b], pos: new Map([[a.id, 0], [b.id, 1]]) };
    });
    this.pairs.push(...made);
    return this.pairs.slice(0, n);
  }

  /** One group of n members (users 0..n-1, user 0 its owner), created and filled in chunks. */
  async group(n, chunk = 250) {
    const users = await this.connected(n);
    const owner = users[0];
    const others = users.slice(1);
    let { conversation } = await requestRetry(owner.socket, 'group:create', {
      name: `bench ${this.tag}`,
      memberIds: others.slice(0, chunk - 1).map((u) => u.id),
    });
    for (let i = chunk - 1; i < others.length; i += chunk) {
      ({ conversation } = await requestRetry(owner.socket, 'group:addMembers', {
        conversationId: conversation.id,
        userIds: others.slice(i, i + chunk).map((u) => u.id),
      }));
    }
    if (conversation.members.length !== n) throw new Error(`group has ${conversation.members.length} members, wanted ${n}`);
    return { id: conversation.id, size: n, members: users, pos: new Map(users.map((u, i) => [u.id, i])) };
  }

  close() {
    for (const u of this.users) u.socket?.close();
  }
}
