import { connectedUser, closeAll, http, ok, startPlatform, type Platform, type TestUser } from '@chat/testing';

/** What an operator scrapes and probes, with the web client served by the gateway as `npm start` does. */
describe('operations: metrics and health of every service', () => {
  let platform: Platform;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    platform = await startPlatform({ web: true });
    alice = await connectedUser(platform.url);
    bob = await connectedUser(platform.url);
  }, 300_000);

  afterAll(async () => {
    closeAll(alice?.socket, bob?.socket);
    await platform?.stop();
  });

  it("serves Prometheus metrics at the gateway's /metrics, not the web client's page, with sockets, requests and delivery lag", async () => {
    const { conversation } = await ok(alice.socket, 'conversation:direct', { userId: bob.user.id });
    await ok(alice.socket, 'message:send', { conversationId: conversation.id, text: 'metered', clientMsgId: 'm1' });
    const res = await fetch(`${platform.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toMatch(/^chat_connected_sockets(\{[^}]*\})? 2$/m);
    expect(body).toMatch(/^chat_socket_request_seconds_count\{[^}]*event="message:send"[^}]*\} 1$/m);
    expect(body).toContain('nodejs_heap_size_used_bytes');
    // Any other path is the single-page app.
    const page = await fetch(`${platform.url}/chats/anything`);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('serves metrics, readiness and liveness from every other service', async () => {
    for (const name of ['auth', 'users', 'messaging', 'presence'] as const) {
      const base = `http://127.0.0.1:${platform.proc(name).port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect({ name, status: metrics.status }).toEqual({ name, status: 200 });
      expect(await metrics.text()).toContain('process_cpu_seconds_total');
      expect({ name, ready: (await http(base, 'GET', '/health')).status, live: (await http(base, 'GET', '/health/live')).status }).toEqual({ name, ready: 200, live: 200 });
    }
  });
});
