import { excerptOf, matchesTerms, mentionCandidates, mentionsIn, searchTerms, wordsOf } from './text';
import { isEmoji } from './validation';

describe('wordsOf and searchTerms', () => {
  it('splits on anything but letters and digits, lower-cases and composes, each word once', () => {
    expect(wordsOf('Café au-lait, CAFÉ! 42x s’il')).toEqual(['café', 'au', 'lait', '42x', 's', 'il']);
    expect(wordsOf('Cafe\u0301')).toEqual(['café']);
    expect(wordsOf('  ')).toEqual([]);
    expect(searchTerms('  Caf  LAIT ')).toEqual(['caf', 'lait']);
  });

  it('matches when every term begins some word; accents count', () => {
    const words = wordsOf('Café au lait');
    expect(matchesTerms(words, ['caf', 'la'])).toBe(true);
    expect(matchesTerms(words, ['cafe'])).toBe(false);
    expect(matchesTerms(words, ['afé'])).toBe(false);
  });
});

describe('mentions', () => {
  const members: Record<string, string> = { bob: 'u-bob', 'ann.lee': 'u-ann', olga: 'u-olga' };
  const lookup = (name: string) => members[name];

  it('takes an @ at the start or after a non-word character, the longest run of username characters', () => {
    expect(mentionCandidates('@Bob hi (@ann.lee) me@olga @@olga')).toEqual([
      { run: 'bob', trimmed: 'bob' },
      { run: 'ann.lee', trimmed: 'ann.lee' },
      { run: 'olga', trimmed: 'olga' },
    ]);
  });

  it('names members in order of first appearance, each once, trying the run without trailing . and - when it names nobody', () => {
    expect(mentionsIn('@olga. and @BOB- then @bob, @carol @ann.lee.', lookup)).toEqual(['u-olga', 'u-bob', 'u-ann']);
    expect(mentionsIn('mail@bob é@bob _@bob', lookup)).toEqual([]);
  });
});

describe('excerptOf', () => {
  it('keeps the first code points, an emoji being one', () => {
    expect(excerptOf('😀'.repeat(5), 3)).toBe('😀😀😀');
    expect(excerptOf('short', 200)).toBe('short');
  });
});

describe('isEmoji', () => {
  it('takes one emoji grapheme of at most 32 bytes: ZWJ sequences, skin tones, flags, keycaps', () => {
    for (const e of ['👍', '👍🏽', '👩‍💻', '👨‍👩‍👧', '🇫🇷', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '1️⃣', '❤️']) expect({ e, ok: isEmoji(e, 32) }).toEqual({ e, ok: true });
  });

  it('refuses text, two emoji, padding and sequences over 32 bytes', () => {
    for (const e of ['', 'a', '1', '👍👍', ' 👍', ':)', '👨🏻‍👩🏻‍👧🏻‍👦🏻', '\uD83D']) expect({ e, ok: isEmoji(e, 32) }).toEqual({ e, ok: false });
  });
});
