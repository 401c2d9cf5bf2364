import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveWebClient } from './web-client';

describe('serveWebClient', () => {
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-client-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>chat</title>');
    writeFileSync(join(dir, 'main-XSLXYXGJ.js'), `console.log(${JSON.stringify('x'.repeat(20_000))});`);
    writeFileSync(join(dir, 'favicon.ico'), 'icon');
    const app = express();
    serveWebClient(app as unknown as NestExpressApplication, dir);
    const server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });

  afterAll(() => close());

  it('sends hashed bundles compressed and cached for good', async () => {
    const brotli = await fetch(`${base}/main-XSLXYXGJ.js`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(brotli.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await brotli.text()).length).toBeGreaterThan(20_000);
    const gzip = await fetch(`${base}/main-XSLXYXGJ.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
  });

  it('answers the client routes with index.html that is revalidated every time', async () => {
    const res = await fetch(`${base}/c/abc`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<title>chat</title>');
    expect((await fetch(`${base}/favicon.ico`)).headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('leaves the API, Socket.IO and /metrics to their own handlers', async () => {
    expect((await fetch(`${base}/api/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });
});
