import { newestFirst } from './models';

describe('newestFirst', () => {
  it('orders by updatedAt, newest first, and ties by id', () => {
    const list = [
      { id: 'b', updatedAt: '2026-01-01T00:00:00.000Z' },
      { id: 'c', updatedAt: '2026-01-02T00:00:00.000Z' },
      { id: 'a', updatedAt: '2026-01-01T00:00:00.000Z' },
    ];
    expect(list.sort(newestFirst).map((c) => c.id)).toEqual(['c', 'a', 'b']);
  });
});
