import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

/** The messaging service's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3103),
  /** How long conversations.get waits for the membership projection to reach the version it is asked for. */
  CONVERSATION_WAIT_MS: z.coerce.number().int().min(0).max(30000).default(3000),
  /** v1.1 files: signs the URLs of attachments in every message shown (shared with media and the gateway). */
  MEDIA_URL_SECRET: z.string().min(32, 'MEDIA_URL_SECRET must be at least 32 characters'),
  /** Life of those URLs; the same value as media's. */
  MEDIA_URL_TTL_SEC: z.coerce.number().int().min(2).max(7 * 24 * 3600).default(3600),
});
export type Env = z.infer<typeof EnvSchema>;
