import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

const MiB = 1024 * 1024;
const bytes = (byDefault: number, name: string) =>
  z.coerce.number().int().min(1024, `${name} must be at least 1024 bytes`).max(1024 * MiB, `${name} must be at most 1 GiB`).default(byDefault);

/** The media service's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3105),
  /** Signs attachment URLs and the gateway's actor header; shared with gateway and messaging. At least 32 characters. */
  MEDIA_URL_SECRET: z.string().min(32, 'MEDIA_URL_SECRET must be at least 32 characters'),
  /** How long a signed attachment URL lives (it may live up to a quarter longer: expiries are rounded up so URLs repeat). */
  MEDIA_URL_TTL_SEC: z.coerce.number().int().min(2).max(7 * 24 * 3600).default(3600),
  /** The S3 API: empty endpoint means AWS S3 in S3_REGION. */
  S3_ENDPOINT: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'S3_ENDPOINT must be an http(s) URL' })]).default(''),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'S3_BUCKET must be a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)')
    .default('chat-media'),
  /** Empty: the SDK's default chain (instance role, web identity, ~/.aws). */
  S3_ACCESS_KEY_ID: z.string().default(''),
  S3_SECRET_ACCESS_KEY: z.string().default(''),
  /** Path-style URLs (`endpoint/bucket/key`): what most self-hosted stores need; `auto` means on whenever S3_ENDPOINT is set. */
  S3_FORCE_PATH_STYLE: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Create the bucket at start when it does not exist (needs the right to; off for a bucket an operator made). */
  S3_CREATE_BUCKET: z.enum(['true', 'false']).default('true'),
  /** The largest upload (413 PAYLOAD_TOO_LARGE above it). */
  UPLOAD_MAX_BYTES: bytes(25 * MiB, 'UPLOAD_MAX_BYTES'),
  /** The largest avatar image. */
  AVATAR_MAX_BYTES: bytes(5 * MiB, 'AVATAR_MAX_BYTES'),
  /** Uploads not sent in a message within this long are deleted. */
  UNCLAIMED_TTL_SEC: z.coerce.number().int().min(1).default(24 * 3600),
  /** How often the sweeper looks for such uploads. */
  SWEEP_INTERVAL_SEC: z.coerce.number().int().min(1).default(600),
  /** Images larger than this many pixels get no thumbnail and no size (decompression bombs). */
  IMAGE_MAX_PIXELS: z.coerce.number().int().min(1).default(50_000_000),
});
export type Env = z.infer<typeof EnvSchema>;
