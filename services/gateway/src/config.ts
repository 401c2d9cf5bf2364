import { isIP } from 'node:net';
import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

/** The gateway's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** HS256 secret shared with the auth service; at least 32 characters. */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
  JWT_ISSUER: z.string().default('chat-auth'),
  JWT_AUDIENCE: z.string().default('chat'),
  /** Browser origins allowed for REST (CORS) and Socket.IO; empty: same origin only. */
  CORS_ORIGINS: z.string().default(''),
  /**
   * Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs, e.g. the
   * ingress controller's pod network). Empty: none, so the client address is the peer's and
   * nobody can pick their own to escape the per-address limits.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .refine((v) => splitList(v).every(isAddressOrCidr), 'TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs (e.g. 10.42.0.0/16)'),
  /** Serve the Swagger UI (/api/v1/docs) and the OpenAPI document (/api/v1/openapi.json); the chart turns it off. */
  API_DOCS: z.enum(['on', 'off']).default('on'),
  /** When set, the built web client is served from this folder (local platform). */
  WEB_DIR: z.string().optional(),
  /** How long a socket request waits for the owning service. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  /** Per-user budget of socket requests per second (burst twice that). */
  SOCKET_RATE_PER_SEC: z.coerce.number().int().min(1).default(30),
  /** Open sockets one user may hold on this gateway (more: RATE_LIMITED at the handshake). */
  SOCKETS_PER_USER: z.coerce.number().int().min(1).default(20),
  /** Open sockets one client address may hold on this gateway (more: RATE_LIMITED at the handshake); an office behind one NAT address shares it. */
  SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(2000),
  /** Lease a heartbeat grants this gateway's sockets in the presence service. */
  PRESENCE_LEASE_MS: z.coerce.number().int().min(1000).default(15000),
  /** Marks the refresh cookie Secure (off only for plain-http local use is NOT needed: browsers accept Secure on localhost). */
  COOKIE_SECURE: z.enum(['true', 'false']).default('true'),
  /** v1.1 files: the media service's HTTP address, to which uploads and downloads are streamed. */
  MEDIA_URL: z.url({ protocol: /^https?$/, error: 'MEDIA_URL must be an http(s) URL' }).default('http://127.0.0.1:3105'),
  /** Signs the uploader's identity for media (shared with media and messaging); at least 32 characters. */
  MEDIA_URL_SECRET: z.string().min(32, 'MEDIA_URL_SECRET must be at least 32 characters'),
  /** Seconds a stopping gateway gives its clients to move before it closes their sockets. */
  DRAIN_MS: z.coerce.number().int().min(0).default(2000),
});
export type Env = z.infer<typeof EnvSchema>;

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

export function allowedOrigins(env: Pick<Env, 'CORS_ORIGINS'>): string[] {
  return splitList(env.CORS_ORIGINS);
}

/** Express' `trust proxy` setting: the configured proxies, or none at all. */
export function trustedProxies(env: Pick<Env, 'TRUSTED_PROXIES'>): string[] | false {
  const list = splitList(env.TRUSTED_PROXIES);
  return list.length ? list : false;
}
