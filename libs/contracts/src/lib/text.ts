/**
 * What the server and the clients must read the same way in a message's text:
 * its words (for search), its `@username` mentions and a reply's excerpt.
 */

/** Letters and digits of any script; everything else separates words. */
const WORD_SEPARATORS = /[^\p{L}\p{N}]+/u;

/**
 * The words of a text as search compares them: split on anything that is not
 * a letter or a digit, lower-cased, composed (NFC, so `é` typed either way is
 * one letter, and never `e`), each once.
 */
export function wordsOf(text: string): string[] {
  const words = new Set<string>();
  for (const w of text.normalize('NFC').toLowerCase().split(WORD_SEPARATORS)) if (w) words.add(w);
  return [...words];
}

/** A search query's terms: split on whitespace, normalized as words are. */
export function searchTerms(query: string): string[] {
  return [...new Set(query.normalize('NFC').toLowerCase().split(/\s+/u).filter((t) => t.length > 0))];
}

/** Whether every term is a prefix of some word. */
export function matchesTerms(words: readonly string[], terms: readonly string[]): boolean {
  return terms.every((t) => words.some((w) => w.startsWith(t)));
}

const USERNAME_CHAR = /[A-Za-z0-9_.-]/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * The `@` names of a text, in order, as candidates: `run` is the longest run of
 * username characters after an `@` that starts the text or follows a character
 * that is neither a letter, a digit nor a username character; `trimmed` is the
 * run without its trailing `.` and `-`, tried when the run names no member.
 * Both lower-cased (usernames are stored lower-cased).
 */
export function mentionCandidates(text: string): { run: string; trimmed: string }[] {
  const found: { run: string; trimmed: string }[] = [];
  const cps = [...text];
  for (let i = 0; i < cps.length; i++) {
    if (cps[i] !== '@') continue;
    const before = i > 0 ? cps[i - 1]! : '';
    if (before && (LETTER_OR_DIGIT.test(before) || USERNAME_CHAR.test(before))) continue;
    let j = i + 1;
    while (j < cps.length && USERNAME_CHAR.test(cps[j]!)) j++;
    if (j === i + 1) continue;
    const run = cps.slice(i + 1, j).join('').toLowerCase();
    found.push({ run, trimmed: run.replace(/[.-]+$/, '') });
    i = j - 1;
  }
  return found;
}

/**
 * The ids of the members a text mentions, in order of first appearance, each
 * once; `memberByName` answers a lower-cased username with its member's id.
 */
export function mentionsIn(text: string, memberByName: (username: string) => string | undefined): string[] {
  const ids: string[] = [];
  for (const { run, trimmed } of mentionCandidates(text)) {
    const id = memberByName(run) ?? (trimmed && trimmed !== run ? memberByName(trimmed) : undefined);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The first `max` code points of a text. */
export function excerptOf(text: string, max: number): string {
  let out = '';
  let n = 0;
  for (const c of text) {
    if (n++ >= max) break;
    out += c;
  }
  return out;
}
