import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Attachment } from '@chat/contracts';
import type { AttachmentRecord } from '@chat/contracts/bus';

/** The two forms of an attachment's bytes a URL may name. */
export const VARIANTS = ['original', 'thumbnail'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Where attachments are served, under the gateway's `/api/v1`. */
export const FILES_PATH = '/api/v1/files';
/** Where avatars are served (no signature: the id is unguessable and changes with the avatar). */
export const AVATARS_PATH = '/api/v1/avatars';

/** What an attachment URL is signed for. */
export interface UrlGrant {
  id: string;
  variant: Variant;
  /** Unix seconds after which the URL answers 404. */
  expires: number;
}

const derive = (secret: string, purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'chat-media', purpose, 32));

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Signs and checks attachment URLs (`/api/v1/files/<id>/<variant>?e=<expiry>&s=<mac>`):
 * HMAC-SHA256 over id, variant and expiry, so a URL cannot be moved to another
 * attachment, to the other variant, or past its expiry. Expiries are rounded
 * up to `ttlSec / 4`, so answers within that window give the same URL and the
 * browser's cache keeps working; a URL then lives between ttl and 1.25 ttl.
 */
export class UrlSigner {
  private readonly urlKey: Buffer;
  private readonly actorKey: Buffer;

  constructor(
    secret: string,
    private readonly ttlSec = 3600,
  ) {
    if (secret.length < 32) throw new Error('MEDIA_URL_SECRET must be at least 32 characters');
    this.urlKey = derive(secret, 'attachment url v1');
    this.actorKey = derive(secret, 'actor header v1');
  }

  /** The expiry of a URL signed now (unix seconds). */
  expiry(nowMs = Date.now()): number {
    const step = Math.max(1, Math.floor(this.ttlSec / 4));
    return Math.ceil((Math.floor(nowMs / 1000) + this.ttlSec) / step) * step;
  }

  url(id: string, variant: Variant, nowMs = Date.now()): string {
    const expires = this.expiry(nowMs);
    const sig = mac(this.urlKey, `${id}\n${variant}\n${expires}`);
    return `${FILES_PATH}/${encodeURIComponent(id)}/${variant}?e=${expires}&s=${sig}`;
  }

  /** True when `sig` is this server's signature of that grant and it has not expired. */
  verify(grant: UrlGrant, sig: string, nowMs = Date.now()): boolean {
    if (!Number.isSafeInteger(grant.expires) || grant.expires * 1000 <= nowMs) return false;
    return sameMac(sig, mac(this.urlKey, `${grant.id}\n${grant.variant}\n${grant.expires}`));
  }

  /** The gateway's word that a request comes from `userId` (valid 5 minutes): `<userId>.<expiry>.<mac>`. */
  actorHeader(userId: string, nowMs = Date.now()): string {
    const expires = Math.floor(nowMs / 1000) + 300;
    return `${userId}.${expires}.${mac(this.actorKey, `${userId}\n${expires}`)}`;
  }

  /** The user an actor header names, or null when it is forged, malformed or expired. */
  actorOf(header: string | undefined, nowMs = Date.now()): string | null {
    const m = /^([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(header ?? '');
    if (!m) return null;
    const [, userId, exp, sig] = m as unknown as [string, string, string, string];
    if (Number(exp) * 1000 <= nowMs) return null;
    return sameMac(sig, mac(this.actorKey, `${userId}\n${exp}`)) ? userId : null;
  }
}

/** The protocol's Attachment: what a message keeps of it, with freshly signed URLs. */
export function withUrls(signer: UrlSigner, record: AttachmentRecord, nowMs = Date.now()): Attachment {
  const { thumbnail, ...rest } = record;
  return { ...rest, url: signer.url(record.id, 'original', nowMs), thumbnailUrl: thumbnail ? signer.url(record.id, 'thumbnail', nowMs) : null };
}
