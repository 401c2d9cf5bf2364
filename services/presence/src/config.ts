import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

/** The presence service's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3104),
});
export type Env = z.infer<typeof EnvSchema>;
