import { z } from 'zod';
import { ChatError, type ErrorCode } from './errors';

/**
 * Parses untrusted input with a schema and turns failure into a ChatError.
 * A check that wants a code other than VALIDATION_FAILED (text too long is
 * PAYLOAD_TOO_LARGE) says so in its issue's params.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const special = issues
    .map((i) => (i as { params?: { chatCode?: ErrorCode } }).params?.chatCode)
    .find((c): c is ErrorCode => !!c);
  const first = issues[0];
  const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
  throw new ChatError(special ?? 'VALIDATION_FAILED', `${where}${first?.message ?? 'invalid input'}`);
}

/** Code points, not UTF-16 units: an emoji is one character to a user. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// C0 controls other than tab, line feed and carriage return, and DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001F\u007F]/;

function wellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** A trimmed single-line name of min..max code points (display names, group names). */
export function nameString(max: number) {
  return z
    .string()
    .transform((s) => s.trim())
    .superRefine((s, ctx) => {
      if (!wellFormed(s)) ctx.addIssue({ code: 'custom', message: 'invalid unicode' });
      else if (ANY_CONTROL.test(s)) ctx.addIssue({ code: 'custom', message: 'control characters are not allowed' });
      else if (s.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be blank' });
      else if (codePointLength(s) > max) ctx.addIssue({ code: 'custom', message: `at most ${max} characters` });
    });
}

/** Message text: trimmed, 1..max code points; blank is VALIDATION_FAILED, too long PAYLOAD_TOO_LARGE. */
export function messageText(max: number) {
  return z
    .string()
    .transform((s) => s.trim())
    .superRefine((s, ctx) => {
      if (!wellFormed(s)) ctx.addIssue({ code: 'custom', message: 'invalid unicode' });
      else if (CONTROL.test(s)) ctx.addIssue({ code: 'custom', message: 'control characters are not allowed' });
      else if (s.length === 0) ctx.addIssue({ code: 'custom', message: 'text must not be blank' });
      else if (codePointLength(s) > max)
        ctx.addIssue({ code: 'custom', message: `text is longer than ${max} characters`, params: { chatCode: 'PAYLOAD_TOO_LARGE' } });
    });
}

/** An integer limit from 1 to max, never clamped; absent means the default. */
export function limit(max: number, byDefault: number) {
  return z.number().int().min(1).max(max).optional().default(byDefault);
}

/** Opaque ids: short strings of a safe alphabet. Unknown ids are NOT_FOUND later, not here. */
export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'not an id');
