import type { Readable } from 'node:stream';
import type { Response } from 'express';
import { contentDisposition } from '@chat/platform-media';
import { INLINE_TYPES } from '../attachments/sniff';

/** What a GET of stored bytes answers with. */
export interface Served {
  body: Readable;
  size: number;
  /** The sniffed type of these bytes. */
  contentType: string;
  name: string;
  /** Seconds a browser may keep it. */
  maxAgeSec: number;
  /** Shared caches may keep it too (avatars: public by design); attachments stay private. */
  public?: boolean;
}

/**
 * The protocol's response headers: images and plain text inline with their
 * sniffed type, anything else as an `application/octet-stream` download with
 * the name in RFC 5987 form; always nosniff and a CSP that lets nothing run.
 */
export function serve(res: Response, file: Served): void {
  const inline = INLINE_TYPES.has(file.contentType);
  res.status(200);
  res.setHeader('Content-Type', inline ? (file.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : file.contentType) : 'application/octet-stream');
  res.setHeader('Content-Length', String(file.size));
  res.setHeader('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'");
  res.setHeader('Cache-Control', `${file.public ? 'public' : 'private'}, max-age=${Math.max(0, file.maxAgeSec)}, immutable`);
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  file.body.on('error', () => res.destroy());
  file.body.pipe(res);
}
