import type { Message } from '@chat/contracts';
import { contiguousTop, fresher, groupByDay, mergeMessages, replaceMessage } from './timeline';

function msg(seq: number, patch: Partial<Message> = {}): Message {
  return {
    id: `c1-${seq}`,
    conversationId: 'c1',
    seq,
    senderId: 'u1',
    text: `m${seq}`,
    clientMsgId: `k${seq}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, seq)).toISOString(),
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    mentions: [],
    reactions: [],
    attachments: [],
    ...patch,
  };
}

describe('mergeMessages', () => {
  it('appends newer messages in order', () => {
    expect(mergeMessages([msg(1), msg(2)], [msg(3), msg(4)]).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('never holds a seq twice, whatever order pages and pushes come in', () => {
    const merged = mergeMessages([msg(3), msg(5)], [msg(5), msg(1), msg(4), msg(3)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 3, 4, 5]);
  });

  it('keeps an edit when an older copy of the message arrives later', () => {
    const edited = msg(2, { text: 'new', editedAt: '2026-01-01T13:00:00.000Z' });
    const merged = mergeMessages([msg(1), edited], [msg(2)]);
    expect(merged[1].text).toBe('new');
  });

  it('keeps a tombstone over text', () => {
    const gone = msg(2, { text: '', deletedAt: '2026-01-01T13:00:00.000Z' });
    expect(mergeMessages([gone], [msg(2)])[0].deletedAt).not.toBeNull();
    expect(fresher(msg(2), gone)).toBe(gone);
  });
});

describe('replaceMessage', () => {
  it('swaps in the updated message and leaves the rest alone', () => {
    const held = [msg(1), msg(2)];
    const out = replaceMessage(held, msg(2, { text: 'x', editedAt: '2026-01-02T00:00:00.000Z' }));
    expect(out[1].text).toBe('x');
    expect(out[0]).toBe(held[0]);
  });

  it('returns the same array when it does not hold the message', () => {
    const held = [msg(1)];
    expect(replaceMessage(held, msg(9))).toBe(held);
  });
});

describe('contiguousTop', () => {
  it('is the last seq before the first hole', () => {
    expect(contiguousTop([msg(4), msg(5), msg(6), msg(9)])).toBe(6);
  });

  it('is 0 for an empty window', () => {
    expect(contiguousTop([])).toBe(0);
  });

  it('counts from the floor: an empty conversation that then gets seq 3 is missing 1 and 2', () => {
    expect(contiguousTop([msg(3)], 0)).toBe(0);
    expect(contiguousTop([msg(1), msg(2), msg(3)], 0)).toBe(3);
  });
});

describe('groupByDay', () => {
  it('splits messages by local day and names today and yesterday', () => {
    const now = new Date(2026, 4, 10, 15, 0);
    const items = [new Date(2026, 4, 8, 9), new Date(2026, 4, 9, 9), new Date(2026, 4, 9, 10), new Date(2026, 4, 10, 8)].map((d) =>
      d.toISOString(),
    );
    const groups = groupByDay(items, (s) => s, now);
    expect(groups.map((g) => g.items.length)).toEqual([1, 2, 1]);
    expect(groups[1].label).toBe('Yesterday');
    expect(groups[2].label).toBe('Today');
    expect(groups[0].label).not.toBe('Yesterday');
  });
});
