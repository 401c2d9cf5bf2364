import { emptyTimeline } from './views';
import { OwnerCache, type LeaveReason, type OwnedConversation } from './owner-cache';

const entry = (id: string, partition: number): OwnedConversation => ({ conv: null, timeline: emptyTimeline(id), partition });

describe('OwnerCache', () => {
  it('tells who leaves and why: the least recently used when full, a whole partition after an offset gap', () => {
    const left: [string, LeaveReason][] = [];
    const cache = new OwnerCache(2, (id, _e, why) => left.push([id, why]));
    cache.set('a', entry('a', 0));
    cache.set('b', entry('b', 1));
    cache.get('a');
    cache.set('c', entry('c', 0));
    // b was used least recently.
    expect(left).toEqual([['b', 'evicted']]);
    cache.observe(0, 10, 12);
    cache.observe(0, 20, 20);
    expect(left).toEqual([
      ['b', 'evicted'],
      ['a', 'dropped'],
      ['c', 'dropped'],
    ]);
    expect(cache.size).toBe(0);
  });

  it('peek does not refresh an entry, get does', () => {
    const left: string[] = [];
    const cache = new OwnerCache(2, (id) => left.push(id));
    cache.set('a', entry('a', 0));
    cache.set('b', entry('b', 0));
    expect(cache.peek('a')?.timeline._id).toBe('a');
    cache.set('c', entry('c', 0));
    expect(left).toEqual(['a']);
    cache.get('b');
    cache.set('d', entry('d', 0));
    expect(left).toEqual(['a', 'c']);
  });
});
