import { RepeatFilter } from './repeat-filter';

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
