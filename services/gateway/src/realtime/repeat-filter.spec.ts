import { REPEAT_WINDOW, RepeatFilter } from './repeat-filter';

describe('RepeatFilter', () => {
  it('passes each seq of a conversation once and drops a repeat', () => {
    const f = new RepeatFilter();
    expect([1, 2, 2, 3, 1, 4].map((s) => f.repeated('c', s))).toEqual([false, false, true, false, true, false]);
  });

  it('keeps conversations apart', () => {
    const f = new RepeatFilter();
    expect(f.repeated('a', 5)).toBe(false);
    expect(f.repeated('b', 5)).toBe(false);
    expect(f.repeated('a', 5)).toBe(true);
  });

  it('forgets the least recently pushed conversation past its capacity', () => {
    const f = new RepeatFilter(2);
    f.repeated('a', 1);
    f.repeated('b', 1);
    f.repeated('a', 2); // a is now the most recent
    f.repeated('c', 1); // evicts b
    expect(f.size).toBe(2);
    expect(f.repeated('a', 2)).toBe(true); // a was kept
    expect(f.repeated('b', 1)).toBe(false); // b was forgotten
  });
});

describe('RepeatFilter out of order', () => {
  it('pushes a late seq once when it comes after a higher one, within the window', () => {
    const f = new RepeatFilter();
    expect([5, 7, 6, 6, 5, 7, 4].map((s) => f.repeated('c', s))).toEqual([false, false, false, true, true, true, false]);
  });

  it('takes a seq older than the window for a repeat', () => {
    const f = new RepeatFilter();
    f.repeated('c', 1);
    expect(f.repeated('c', 1 + REPEAT_WINDOW + 1)).toBe(false);
    expect(f.repeated('c', 1)).toBe(true);
    // Just inside the window, not pushed yet.
    expect(f.repeated('c', 2)).toBe(false);
    expect(f.repeated('c', 2)).toBe(true);
  });

  it('keeps what it knew across a jump of exactly the window, and forgets it past that', () => {
    const f = new RepeatFilter();
    f.repeated('c', 10);
    f.repeated('c', 10 + REPEAT_WINDOW);
    expect(f.repeated('c', 10)).toBe(true);
    expect(f.repeated('c', 11)).toBe(false);
    const g = new RepeatFilter();
    g.repeated('c', 10);
    g.repeated('c', 9 + REPEAT_WINDOW);
    expect(g.repeated('c', 10)).toBe(true);
    expect(g.repeated('c', 9)).toBe(false);
  });

  it('matches a plain set of pushed seqs on a shuffled stream with repeats', () => {
    const f = new RepeatFilter();
    const pushed = new Set<number>();
    let highest = 0;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const seq = Math.max(1, highest + Math.floor(rand() * 12) - 8);
      const expected = pushed.has(seq) || seq <= highest - REPEAT_WINDOW - 1;
      expect(f.repeated('c', seq)).toBe(expected);
      if (!expected) pushed.add(seq);
      highest = Math.max(highest, seq);
    }
  });
});
