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

// Control, format (zero-width space, bidirectional overrides…) and private-use characters:
// invisible or unknown glyphs that let one name pass for another (protocol v1.1).
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}]/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
// What may sit between a pictograph and a zero-width joiner: variation selector 16, skin tones.
const EMOJI_TRAIL = /\uFE0F|\p{Emoji_Modifier}/u;
const ZWJ = '\u200D';
const BLACK_FLAG = '\u{1F3F4}';
const TAG = /[\u{E0020}-\u{E007F}]/u;

/**
 * The first control, format or private-use character of `s` that is not part of an emoji:
 * a zero-width joiner between two pictographs (👩‍💻), or the tag characters of a
 * subdivision flag (🏴 followed by tags). Undefined when there is none.
 */
export function hiddenCharacter(s: string): string | undefined {
  const cps = [...s];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (!HIDDEN.test(c)) continue;
    if (c === ZWJ) {
      let j = i - 1;
      while (j >= 0 && EMOJI_TRAIL.test(cps[j]!)) j--;
      if (j >= 0 && PICTOGRAPHIC.test(cps[j]!) && i + 1 < cps.length && PICTOGRAPHIC.test(cps[i + 1]!)) continue;
    }
    if (TAG.test(c)) {
      let j = i - 1;
      while (j >= 0 && TAG.test(cps[j]!)) j--;
      if (j >= 0 && cps[j] === BLACK_FLAG) continue;
    }
    return c;
  }
  return undefined;
}

/** Text with nothing a reader would see: whitespace and hidden characters only. */
export function blank(s: string): boolean {
  return s.replace(/[\s\p{Cc}\p{Cf}\p{Co}]/gu, '').length === 0;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** A trimmed single-line name of min..max code points (display names, group names). */
export function nameString(max: number) {
  return z
    .string()
    .transform((s) => s.trim())
    .superRefine((s, ctx) => {
      if (!wellFormed(s)) ctx.addIssue({ code: 'custom', message: 'invalid unicode' });
      else if (ANY_CONTROL.test(s)) ctx.addIssue({ code: 'custom', message: 'control characters are not allowed' });
      else if (s.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be blank' });
      else if (hiddenCharacter(s)) ctx.addIssue({ code: 'custom', message: `invisible or private-use characters are not allowed (${codePoint(hiddenCharacter(s)!)})` });
      else if (codePointLength(s) > max) ctx.addIssue({ code: 'custom', message: `at most ${max} characters` });
    });
}

/** Message text: trimmed, 1..max code points; blank is VALIDATION_FAILED, too long PAYLOAD_TOO_LARGE. */
export function messageText(max: number, { blankAllowed = false } = {}) {
  return z
    .string()
    .transform((s) => s.trim())
    .superRefine((s, ctx) => {
      if (!wellFormed(s)) ctx.addIssue({ code: 'custom', message: 'invalid unicode' });
      else if (CONTROL.test(s)) ctx.addIssue({ code: 'custom', message: 'control characters are not allowed' });
      else if (!blankAllowed && blank(s)) ctx.addIssue({ code: 'custom', message: 'text must not be blank' });
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

// Built at run time: the `v` flag is newer than the compile target, and every runtime we serve (Node 24, current browsers) has it.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
// A pictograph with an optional presentation selector or skin tone, possibly joined to more by zero-width joiners:
// ZWJ sequences newer than the runtime's Unicode data still count.
const EMOJI_SEQUENCE = /^\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*$/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** One emoji as Unicode defines it: a single grapheme (ZWJ sequences, skin tones, flags, keycaps), at most `maxBytes` of UTF-8. */
export function isEmoji(s: string, maxBytes: number): boolean {
  if (s.length === 0 || !wellFormed(s) || new TextEncoder().encode(s).length > maxBytes) return false;
  let count = 0;
  for (const _ of graphemes.segment(s)) if (++count > 1) return false;
  return RGI_EMOJI.test(s) || EMOJI_SEQUENCE.test(s);
}

export function emojiString(maxBytes: number) {
  return z.string().refine((s) => isEmoji(s, maxBytes), { message: `must be one emoji of at most ${maxBytes} bytes` });
}

/** A search query: trimmed, 1..max code points. */
export function searchQuery(max: number) {
  return z
    .string()
    .transform((s) => s.trim())
    .superRefine((s, ctx) => {
      if (!wellFormed(s)) ctx.addIssue({ code: 'custom', message: 'invalid unicode' });
      else if (s.length === 0) ctx.addIssue({ code: 'custom', message: 'query must not be blank' });
      else if (codePointLength(s) > max) ctx.addIssue({ code: 'custom', message: `query is longer than ${max} characters` });
    });
}
