import { z } from 'zod';
import { LIMITS } from './limits';
import { UserSchema } from './models';
import { nameString } from './validation';

export const UsernameSchema = z
  .string()
  .min(LIMITS.usernameMin)
  .max(LIMITS.usernameMax)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
  .transform((s) => s.toLowerCase());

export const PasswordSchema = z
  .string()
  .min(LIMITS.passwordMin, `password must be at least ${LIMITS.passwordMin} characters`)
  .max(LIMITS.passwordMax, `password must be at most ${LIMITS.passwordMax} characters`);

export const RegisterBodySchema = z.strictObject({
  username: UsernameSchema,
  password: PasswordSchema,
  displayName: nameString(LIMITS.displayNameMax).optional(),
});
export type RegisterBody = z.infer<typeof RegisterBodySchema>;

export const LoginBodySchema = z.strictObject({
  // Login takes any string of sane length; a malformed name is simply unknown,
  // so the answer cannot tell apart "no such user" from "bad name".
  username: z.string().min(1).max(LIMITS.usernameMax * 4),
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginBody = z.infer<typeof LoginBodySchema>;

export const RefreshTokenSchema = z.string().min(1).max(256);
export const RefreshBodySchema = z.strictObject({ refreshToken: RefreshTokenSchema.optional() });
export const LogoutBodySchema = RefreshBodySchema;

export const AuthResultSchema = z.object({
  user: UserSchema,
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
});
export type AuthResult = z.infer<typeof AuthResultSchema>;

export const MeResultSchema = z.object({ user: UserSchema });

/** The REST calls, for the OpenAPI document and its test. */
export const REST_CALLS = [
  { method: 'post', path: '/api/v1/auth/register', body: 'RegisterBody', status: 201 },
  { method: 'post', path: '/api/v1/auth/login', body: 'LoginBody', status: 200 },
  { method: 'post', path: '/api/v1/auth/refresh', body: 'RefreshBody', status: 200 },
  { method: 'post', path: '/api/v1/auth/logout', body: 'LogoutBody', status: 204 },
  { method: 'get', path: '/api/v1/me', body: null, status: 200 },
  { method: 'get', path: '/api/v1/health', body: null, status: 200 },
] as const;

export const REFRESH_COOKIE = 'refreshToken';
export const REFRESH_COOKIE_PATH = '/api/v1/auth';
