import { z } from 'zod';
import { LIMITS } from './limits';
import { AttachmentSchema, ConversationSchema, MessageSchema, UserSchema } from './models';
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
/**
 * Extension: `POST /api/v1/auth/refresh` takes an optional `Idempotency-Key` header. A refresh
 * whose answer was lost (a timeout, a 503, a dropped connection) may be sent again with the same
 * key and the same refresh token, and gets the pair the first one made instead of being taken for
 * a replay. Only the last rotation can be asked again, and only until its new token is used.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'an Idempotency-Key is 16 to 128 characters of A-Z, a-z, 0-9, _ and -');
/** v1.1: `all: true` ends every session of the user, the caller's too. */
export const LogoutBodySchema = RefreshBodySchema.extend({ all: z.boolean().optional() });
export type LogoutBody = z.infer<typeof LogoutBodySchema>;

export const AuthResultSchema = z.object({
  user: UserSchema,
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
});
export type AuthResult = z.infer<typeof AuthResultSchema>;

export const MeResultSchema = z.object({ user: UserSchema });

/** v1.1 `PATCH /api/v1/me`: the profile fields a user may change. */
export const UpdateMeBodySchema = z.strictObject({ displayName: nameString(LIMITS.displayNameMax) });
export type UpdateMeBody = z.infer<typeof UpdateMeBodySchema>;

/** A password the user proves they know: any string of sane length (the rules are for new ones). */
const PresentedPassword = z.string().min(1).max(LIMITS.passwordMax);

/** v1.1 `POST /api/v1/auth/password`: `newPassword` follows registration's rules. */
export const ChangePasswordBodySchema = z.strictObject({ currentPassword: PresentedPassword, newPassword: PasswordSchema });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBodySchema>;

/** v1.1 `DELETE /api/v1/me`: the password, checked as login checks it. */
export const DeleteMeBodySchema = z.strictObject({ password: PresentedPassword });
export type DeleteMeBody = z.infer<typeof DeleteMeBodySchema>;

/** One of the user's live sessions (`current`: the one asking). */
export const SessionInfoSchema = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  userAgent: z.string().nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;
export const SessionsResultSchema = z.object({ sessions: z.array(SessionInfoSchema) });

/** The longest User-Agent a session keeps. */
export const USER_AGENT_MAX = 256;

/** v1.1 `GET /api/v1/me/export`: what the service holds of the caller. */
export const ExportResultSchema = z.object({
  user: UserSchema,
  contacts: z.array(UserSchema),
  blocked: z.array(UserSchema),
  conversations: z.array(ConversationSchema),
  messages: z.array(MessageSchema),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;

/** v1.1 `POST /api/v1/uploads` (multipart, one field `file`): the upload, usable in one message:send. */
export const UploadResultSchema = z.object({ attachment: AttachmentSchema });
export type UploadResult = z.infer<typeof UploadResultSchema>;
/** The multipart field that carries the file of an upload or an avatar. */
export const UPLOAD_FIELD = 'file';

/** The REST calls, for the OpenAPI document and its test. */
export const REST_CALLS = [
  { method: 'post', path: '/api/v1/auth/register', body: 'RegisterBody', status: 201 },
  { method: 'post', path: '/api/v1/auth/login', body: 'LoginBody', status: 200 },
  { method: 'post', path: '/api/v1/auth/refresh', body: 'RefreshBody', status: 200 },
  { method: 'post', path: '/api/v1/auth/logout', body: 'LogoutBody', status: 204 },
  { method: 'get', path: '/api/v1/me', body: null, status: 200 },
  { method: 'patch', path: '/api/v1/me', body: 'UpdateMeBody', status: 200 },
  { method: 'delete', path: '/api/v1/me', body: 'DeleteMeBody', status: 204 },
  { method: 'get', path: '/api/v1/me/export', body: null, status: 200 },
  { method: 'post', path: '/api/v1/auth/password', body: 'ChangePasswordBody', status: 204 },
  { method: 'get', path: '/api/v1/auth/sessions', body: null, status: 200 },
  { method: 'delete', path: '/api/v1/auth/sessions/{id}', body: null, status: 204 },
  { method: 'get', path: '/api/v1/health', body: null, status: 200 },
  { method: 'post', path: '/api/v1/uploads', body: 'Upload', status: 201 },
  { method: 'put', path: '/api/v1/me/avatar', body: 'Upload', status: 200 },
  { method: 'delete', path: '/api/v1/me/avatar', body: null, status: 204 },
] as const;

export const REFRESH_COOKIE = 'refreshToken';
export const REFRESH_COOKIE_PATH = '/api/v1/auth';
