import type { NestExpressApplication } from '@nestjs/platform-express';
import compression from 'compression';
import express from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The build names its bundles after their content (main-XSLXYXGJ.js): a new build means new names. */
const HASHED = /-[A-Za-z0-9_-]{8,}\.(?:js|mjs|css|woff2?|ttf|png|jpe?g|svg|webp|avif)$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current bundles: the browser must ask every time (a 304 is cheap). */
const REVALIDATE = 'no-cache';

function cacheControl(path: string): string {
  if (HASHED.test(path)) return IMMUTABLE;
  if (path.endsWith('.html')) return REVALIDATE;
  return 'public, max-age=3600';
}

/**
 * Serves the built web client from `dir` (WEB_DIR), when there is one:
 * compressed (brotli where the browser takes it, else gzip: the bundles
 * shrink to about a quarter), hashed files cached for good, and index.html
 * for every other GET that is not the API's, Socket.IO's or /metrics, so
 * that the client's routes load on reload.
 */
export function serveWebClient(http: NestExpressApplication, dir: string | undefined): void {
  if (!dir || !existsSync(dir)) return;
  const root = resolve(dir);
  http.use(compression());
  http.use(
    express.static(root, {
      index: false,
      cacheControl: false,
      setHeaders: (res, path) => res.setHeader('Cache-Control', cacheControl(path)),
    }),
  );
  http.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.method !== 'GET' || req.path.startsWith('/api/') || req.path.startsWith('/socket.io') || req.path === '/metrics') return next();
    res.sendFile(join(root, 'index.html'), { cacheControl: false, headers: { 'Cache-Control': REVALIDATE } });
  });
}
