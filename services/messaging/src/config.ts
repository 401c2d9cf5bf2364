import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

/** The messaging service's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3103),
  /** How long conversations.get waits for the membership projection to reach the version it is asked for. */
  CONVERSATION_WAIT_MS: z.coerce.number().int().min(0).max(30000).default(3000),
});
export type Env = z.infer<typeof EnvSchema>;
