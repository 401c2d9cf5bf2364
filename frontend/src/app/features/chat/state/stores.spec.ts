import { TestBed } from '@angular/core/testing';
import { conversation, message } from '../../../testing/fake-chat-socket';
import { ConversationsStore } from './conversations.store';
import { DraftsStore } from './drafts.store';
import { ReadsStore } from './reads.store';
import { TimelinesStore } from './timelines.store';

describe('the chat feature stores', () => {
  it('ConversationsStore keeps what this tab saw newer than a list that overtook it, and says what left the list', () => {
    const store = TestBed.inject(ConversationsStore);
    store.replace([conversation('c1', ['me', 'bob'], { lastSeq: 3 }), conversation('c2', ['me', 'carol'])]);
    store.summarize('c1', [message('c1', 5, 'bob')]);
    const gone = store.replace([conversation('c1', ['me', 'bob'], { lastSeq: 4 })]);
    expect(gone).toEqual(['c2']);
    expect(store.get('c1')?.lastSeq).toBe(5);
    expect(store.loaded()).toBe(true);
  });

  it('ReadsStore moves markers only forward and leaves the user out of the readers', () => {
    const reads = TestBed.inject(ReadsStore);
    reads.record('c1', [
      { userId: 'bob', seq: 4 },
      { userId: 'me', seq: 9 },
    ]);
    reads.record('c1', [{ userId: 'bob', seq: 2 }]);
    expect(reads.readersOf('c1', 4, 'me')).toEqual(['bob']);
    expect(reads.readersOf('c1', 5, 'me')).toEqual([]);
  });

  it('TimelinesStore merges pages into a window it holds and ignores others', () => {
    const timelines = TestBed.inject(TimelinesStore);
    timelines.merge('c1', [message('c1', 1, 'bob')]);
    expect(timelines.has('c1')).toBe(false);
    timelines.begin('c1');
    timelines.merge('c1', [message('c1', 2, 'bob'), message('c1', 1, 'bob')]);
    timelines.merge('c1', [message('c1', 2, 'bob')]);
    expect(timelines.get('c1')?.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('DraftsStore forgets an emptied draft', () => {
    const drafts = TestBed.inject(DraftsStore);
    drafts.set('c1', 'half');
    drafts.set('c1', '');
    expect(drafts.get('c1')).toBe('');
  });
});
