import { z } from 'zod';
import { BaseEnvSchema } from '@chat/platform-config';

const positive = (byDefault: number) => z.coerce.number().int().min(1).default(byDefault);

/** The auth service's environment, validated before anything starts. */
export const EnvSchema = BaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3101),
  /** HS256 secret shared with the gateways (which verify access tokens locally); at least 32 characters. */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
  JWT_ISSUER: z.string().min(1).default('chat-auth'),
  JWT_AUDIENCE: z.string().min(1).default('chat'),
  /** Access token lifetime: at most 15 minutes (gateways remember revoked sessions that long). */
  ACCESS_TTL_SEC: z.coerce.number().int().min(10).max(900).default(900),
  /** A session (refresh token family) ends this long after its last refresh. */
  REFRESH_TTL_SEC: positive(30 * 24 * 3600),
  /** argon2id cost (OWASP minimum: 19 MiB, 2 passes, 1 lane; only stronger is accepted). */
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(19456).default(19456),
  ARGON2_TIME_COST: z.coerce.number().int().min(2).default(2),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
  /** Rate limits (fixed windows, shared by every auth replica through the database; all off with RATE_LIMITS=off). */
  /** Failed sign-ins of one username from one address that cost nothing; each further one doubles the wait (1 s up to LOGIN_MAX_DELAY_SEC). */
  LOGIN_FREE_FAILURES: positive(5),
  LOGIN_MAX_DELAY_SEC: positive(900),
  LOGIN_FAILURES_FORGET_SEC: positive(3600),
  LOGIN_LIMIT_PER_ADDRESS: positive(30),
  LOGIN_WINDOW_SEC: positive(60),
  REGISTER_LIMIT_PER_ADDRESS: positive(100),
  REGISTER_WINDOW_SEC: positive(600),
});
export type Env = z.infer<typeof EnvSchema>;
