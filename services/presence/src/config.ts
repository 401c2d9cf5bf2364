import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

/** The presence service's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3104),
  /** How often gateway leases are checked for lapses. */
  PRESENCE_CHECK_MS: z.coerce.number().int().min(100).default(2000),
  /** Lease granted to a gateway seen before its first heartbeat (a gateway's heartbeat names its own). */
  PRESENCE_DEFAULT_LEASE_MS: z.coerce.number().int().min(1000).default(15000),
  /** Connections of a gateway whose lease lapsed this long ago are forgotten (a lapsed gateway that comes back within it gets its sockets back). */
  PRESENCE_PURGE_AFTER_MS: z.coerce.number().int().min(1000).default(10 * 60 * 1000),
  /** How often memory is compared with the stored connections (repairs drift, e.g. two processes overlapping in a rolling update). */
  PRESENCE_RESYNC_MS: z.coerce.number().int().min(1000).default(60 * 1000),
});
export type Env = z.infer<typeof EnvSchema>;
