import { mentionCandidates } from '@chat/contracts';

/**
 * The protocol's Markdown subset as a tree of plain data: bold, italic,
 * strike, inline code, fenced code blocks, `> quote` lines, links (bare
 * http(s) URLs and `[label](url)` with http, https or mailto) and mentions.
 * Nothing here produces HTML: the template renders each node as one element
 * with text children, so raw HTML in a message can only ever show as text.
 */
export type Inline =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bold' | 'italic' | 'strike'; readonly children: readonly Inline[] }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'link'; readonly href: string; readonly label: string }
  | { readonly kind: 'mention'; readonly userId: string; readonly text: string; readonly me: boolean };

export type Block =
  | { readonly kind: 'para'; readonly lines: readonly (readonly Inline[])[] }
  | { readonly kind: 'quote'; readonly lines: readonly (readonly Inline[])[] }
  | { readonly kind: 'code'; readonly text: string };

/** Who `@name` names: a member's id by lower-cased username, and the signed-in user's id. */
export interface MentionContext {
  readonly byUsername: (username: string) => string | undefined;
  readonly meId: string | undefined;
}

const NO_MENTIONS: MentionContext = { byUsername: () => undefined, meId: undefined };

/** Only these schemes ever become links. */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

export function parseMarkdown(text: string, mentions: MentionContext = NO_MENTIONS): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let para: Inline[][] = [];
  let quote: Inline[][] = [];
  const flush = () => {
    if (para.length) blocks.push({ kind: 'para', lines: para });
    if (quote.length) blocks.push({ kind: 'quote', lines: quote });
    para = [];
    quote = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) {
      const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
      if (end > i) {
        flush();
        blocks.push({ kind: 'code', text: lines.slice(i + 1, end).join('\n') });
        i = end;
        continue;
      }
    }
    const q = /^>\s?(.*)$/.exec(line);
    if (q) {
      if (para.length) flush();
      quote.push(parseInline(q[1]!, mentions));
    } else {
      if (quote.length) flush();
      para.push(parseInline(line, mentions));
    }
  }
  flush();
  return blocks;
}

const DELIMS: { readonly mark: string; readonly kind: 'bold' | 'italic' | 'strike' }[] = [
  { mark: '**', kind: 'bold' },
  { mark: '~~', kind: 'strike' },
  { mark: '_', kind: 'italic' },
];

/** One line's inline formatting. */
export function parseInline(s: string, mentions: MentionContext = NO_MENTIONS): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const push = (node: Inline) => {
    if (text) out.push(...withMentions(text, mentions));
    text = '';
    out.push(node);
  };
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    if (rest.startsWith('`')) {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1) {
        push({ kind: 'code', text: s.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    const label = /^\[([^\]\n]+)\]\(([^)\s]+)\)/.exec(rest);
    if (label) {
      const href = safeHref(label[2]!);
      if (href) {
        push({ kind: 'link', href, label: label[1]! });
        i += label[0].length;
        continue;
      }
    }
    const bare = /^https?:\/\/[^\s<>"]+/i.exec(rest);
    if (bare && (i === 0 || /[\s(]/.test(s[i - 1]!))) {
      // A sentence's closing punctuation is not part of the URL.
      const url = bare[0].replace(/[.,;:!?)\]'"]+$/, '');
      const href = safeHref(url);
      if (href) {
        push({ kind: 'link', href, label: url });
        i += url.length;
        continue;
      }
    }
    const delim = DELIMS.find((d) => rest.startsWith(d.mark));
    if (delim && rest.length > delim.mark.length && !/\s/.test(rest[delim.mark.length]!)) {
      // `_` only opens at a word's start and alone, so snake_case and __dunder__ stay as they are.
      const opens = delim.mark !== '_' || ((i === 0 || !/[\p{L}\p{N}_]/u.test(s[i - 1]!)) && rest[1] !== '_');
      const close = opens ? findClose(s, i + delim.mark.length, delim.mark) : -1;
      if (close > 0) {
        push({ kind: delim.kind, children: parseInline(s.slice(i + delim.mark.length, close), mentions) });
        i = close + delim.mark.length;
        continue;
      }
    }
    text += s[i];
    i++;
  }
  if (text) out.push(...withMentions(text, mentions));
  return out;
}

function findClose(s: string, from: number, mark: string): number {
  for (let j = from + 1; j <= s.length - mark.length; j++) {
    if (s.startsWith(mark, j) && !/\s/.test(s[j - 1]!)) {
      if (mark === '_' && ((j + 1 < s.length && /[\p{L}\p{N}_]/u.test(s[j + 1]!)) || s[j - 1] === '_')) continue;
      return j;
    }
  }
  return -1;
}

/** Plain text with its `@username`s of members as mention nodes (the same rule the server applies). */
function withMentions(text: string, ctx: MentionContext): Inline[] {
  if (!text.includes('@')) return [{ kind: 'text', text }];
  const out: Inline[] = [];
  let at = 0;
  let from = 0;
  for (const c of mentionCandidates(text)) {
    const start = text.indexOf('@', from);
    if (start < 0) break;
    // Find this candidate's own `@` (candidates come in order).
    let pos = start;
    while (pos >= 0 && text.slice(pos + 1, pos + 1 + c.run.length).toLowerCase() !== c.run) pos = text.indexOf('@', pos + 1);
    if (pos < 0) break;
    from = pos + 1 + c.run.length;
    const id = ctx.byUsername(c.run) ?? (c.trimmed !== c.run ? ctx.byUsername(c.trimmed) : undefined);
    if (!id) continue;
    const name = ctx.byUsername(c.run) ? c.run : c.trimmed;
    if (pos > at) out.push({ kind: 'text', text: text.slice(at, pos) });
    out.push({ kind: 'mention', userId: id, text: text.slice(pos, pos + 1 + name.length), me: id === ctx.meId });
    at = pos + 1 + name.length;
  }
  if (at < text.length) out.push({ kind: 'text', text: text.slice(at) });
  return out;
}
