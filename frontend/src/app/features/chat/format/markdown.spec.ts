import { parseInline, parseMarkdown, safeHref, type Inline } from './markdown';

const kinds = (nodes: readonly Inline[]) => nodes.map((n) => n.kind);

describe('parseMarkdown', () => {
  it('reads bold, italic, strike and inline code, nested', () => {
    const [line] = (parseMarkdown('**bold _and it_** ~~gone~~ `a*b*c`')[0] as { lines: readonly (readonly Inline[])[] }).lines;
    expect(kinds(line!)).toEqual(['bold', 'text', 'strike', 'text', 'code']);
    expect(line![0]).toEqual({ kind: 'bold', children: [{ kind: 'text', text: 'bold ' }, { kind: 'italic', children: [{ kind: 'text', text: 'and it' }] }] });
    expect(line![4]).toEqual({ kind: 'code', text: 'a*b*c' });
  });

  it('leaves snake_case, __dunder__ and unclosed marks as text', () => {
    expect(parseInline('snake_case_name __init__ **open')).toEqual([{ kind: 'text', text: 'snake_case_name __init__ **open' }]);
  });

  it('takes fenced code blocks verbatim and > lines as quotes', () => {
    const blocks = parseMarkdown('before\n```\n<b>**not bold**</b>\n```\n> quoted\nafter');
    expect(blocks.map((b) => b.kind)).toEqual(['para', 'code', 'quote', 'para']);
    expect(blocks[1]).toEqual({ kind: 'code', text: '<b>**not bold**</b>' });
  });

  it('links bare http(s) URLs without trailing punctuation, and [label](url) only for http, https and mailto', () => {
    expect(parseInline('see https://example.com/a?b=1.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', href: 'https://example.com/a?b=1', label: 'https://example.com/a?b=1' },
      { kind: 'text', text: '.' },
    ]);
    expect(parseInline('[mail](mailto:a@example.com)')).toEqual([{ kind: 'link', href: 'mailto:a@example.com', label: 'mail' }]);
    expect(kinds(parseInline('[x](javascript:alert(1)) [y](data:text/html,hi) ftp://h/x'))).toEqual(['text']);
    expect(safeHref('JaVaScRiPt:alert(1)')).toBeNull();
  });

  it('marks mentions of members only, the user\'s own apart', () => {
    const names: Record<string, string> = { ann: 'u-ann', me: 'u-me' };
    const ctx = { byUsername: (n: string) => names[n], meId: 'u-me' };
    expect(parseInline('hi @Ann and @me. @bob mail@ann', ctx)).toEqual([
      { kind: 'text', text: 'hi ' },
      { kind: 'mention', userId: 'u-ann', text: '@Ann', me: false },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', userId: 'u-me', text: '@me', me: true },
      { kind: 'text', text: '. @bob mail@ann' },
    ]);
  });
});
