import { fitPage } from './page-budget';

const msg = (seq: number, chars: number) => ({ seq, text: '😀'.repeat(chars) });

describe('fitPage', () => {
  it('finding 5: 100 messages of 4,000 emoji are cut to fit, keeping the side the reader pages from', () => {
    const page = Array.from({ length: 100 }, (_, i) => msg(i + 1, 4000));
    expect(Buffer.byteLength(JSON.stringify(page))).toBeGreaterThan(1_000_000);
    const forward = fitPage(page, 512 * 1024, 'oldest');
    expect(forward.cut).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(forward.messages))).toBeLessThanOrEqual(512 * 1024);
    expect(forward.messages[0]!.seq).toBe(1);
    const backward = fitPage(page, 512 * 1024, 'newest');
    expect(backward.messages.at(-1)!.seq).toBe(100);
    expect(Buffer.byteLength(JSON.stringify(backward.messages))).toBeLessThanOrEqual(512 * 1024);
    // Contiguous: the rest can be paged for with afterSeq / beforeSeq.
    expect(backward.messages.map((m) => m.seq)).toEqual(Array.from({ length: backward.messages.length }, (_, i) => 101 - backward.messages.length + i));
  });

  it('leaves a page that fits as it is', () => {
    const page = [msg(1, 10), msg(2, 10)];
    expect(fitPage(page, 512 * 1024, 'oldest')).toEqual({ messages: page, cut: false });
  });

  it('keeps one message even when it alone is over the budget, so paging moves on', () => {
    const page = [msg(1, 100), msg(2, 100)];
    expect(fitPage(page, 10, 'newest').messages).toEqual([page[1]]);
  });
});
