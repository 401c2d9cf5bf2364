import { ChatError } from './errors';
import { LIMITS } from './limits';
import { PasswordSchema } from './rest';
import { hiddenCharacter, messageText, nameString, parse } from './validation';

const name = nameString(LIMITS.displayNameMax);
const text = messageText(LIMITS.textMax);
const refusal = (schema: Parameters<typeof parse>[0], input: unknown) => {
  try {
    parse(schema, input);
  } catch (err) {
    return err as ChatError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('names: no control, format or private-use characters (protocol v1.1)', () => {
  it.each([
    ['zero-width space', 'ad\u200Bmin'],
    ['right-to-left override', 'admin\u202E'],
    ['left-to-right isolate', '\u2066admin'],
    ['word joiner', 'ad\u2060min'],
    ['byte order mark inside', 'ad\uFEFFmin'],
    ['private use', 'admin\uE000'],
    ['a joiner outside an emoji', 'ad\u200Dmin'],
    ['a joiner after an emoji but before a letter', '👩\u200Dmin'],
    ['soft hyphen', 'ad\u00ADmin'],
  ])('refuses %s, naming the character', (_, input) => {
    const err = refusal(name, input);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toMatch(/U\+[0-9A-F]{4}/);
  });

  it.each([
    ['a plain name', 'Ada Lovelace'],
    ['accents and scripts', 'Zoë Ωμέγα 東京'],
    ['a ZWJ emoji sequence', 'dev 👩‍💻'],
    ['a ZWJ sequence with a skin tone', 'team 👩🏽‍🚀'],
    ['a subdivision flag (tag characters)', 'from 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a keycap', 'room 1️⃣'],
  ])('accepts %s', (_, input) => {
    expect(parse(name, input)).toBe(input.trim());
  });

  it('finds the first hidden character only', () => {
    expect(hiddenCharacter('a\u200Bb\u202E')).toBe('\u200B');
    expect(hiddenCharacter('👨‍👩‍👧')).toBeUndefined();
  });

  it('still trims, and refuses blank and over-long names', () => {
    expect(parse(name, '  Ada  ')).toBe('Ada');
    expect(refusal(name, '   ').code).toBe('VALIDATION_FAILED');
    expect(refusal(name, 'x'.repeat(65)).code).toBe('VALIDATION_FAILED');
  });
});

describe('message text made only of invisible characters is blank', () => {
  it.each([['\u200B'], ['\u200B \u200D\n'], ['\u202E\u2066'], ['\uE000']])('refuses %j as blank', (input) => {
    const err = refusal(text, input);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', message: 'text must not be blank' });
  });

  it('keeps text that also has visible characters, joiners and all', () => {
    expect(parse(text, 'hi \u200B there')).toBe('hi \u200B there');
  });
});

describe('passwords: 10 to 128 characters, and the message says which rule failed', () => {
  it('refuses 9 characters with the minimum in the message', () => {
    expect(refusal(PasswordSchema, 'aaaaaaaaa').message).toContain('at least 10 characters');
  });
  it('accepts 10 and 128, refuses 129', () => {
    expect(parse(PasswordSchema, 'a'.repeat(10))).toHaveLength(10);
    expect(parse(PasswordSchema, 'a'.repeat(128))).toHaveLength(128);
    expect(refusal(PasswordSchema, 'a'.repeat(129)).message).toContain('at most 128');
  });
});
