import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { AckData, Message, RequestPayload, User } from '@chat/contracts';
import { ApiError } from '../../core/api-error';
import { AuthStore } from '../../core/auth/auth.store';
import { ChatSocket } from '../../core/socket/socket.service';
import { FakeChatSocket, conversation, message, settle } from '../../testing/fake-chat-socket';
import { ChatStore } from './chat.store';

const ME: User = { id: 'me', username: 'me', displayName: 'Me', avatarUrl: null };
const BOB: User = { id: 'bob', username: 'bob', displayName: 'Bob', avatarUrl: null };

/** A server's history for the fake: the protocol's paging rules over a plain array. */
function historyOf(log: Message[]) {
  return (p: RequestPayload<'message:history'>): AckData<'message:history'> => {
    const limit = p.limit ?? 50;
    const all = log.filter((m) => m.conversationId === p.conversationId).sort((a, b) => a.seq - b.seq);
    if (p.afterSeq !== undefined) {
      const above = all.filter((m) => m.seq > (p.afterSeq ?? 0));
      return { messages: above.slice(0, limit), hasMore: above.length > limit };
    }
    if (p.beforeSeq !== undefined) {
      const below = all.filter((m) => m.seq < (p.beforeSeq ?? 0));
      return { messages: below.slice(-limit), hasMore: below.length > limit };
    }
    return { messages: all.slice(-limit), hasMore: all.length > limit };
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ChatStore', () => {
  let socket: FakeChatSocket;
  let store: ChatStore;
  let log: Message[];

  beforeEach(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    socket = new FakeChatSocket();
    log = [1, 2, 3].map((s) => message('c1', s, 'bob'));
    socket.responders = {
      'contact:list': () => ({ contacts: [{ ...BOB, online: true, lastSeenAt: null }] }),
      'conversation:list': () => ({
        conversations: [conversation('c1', ['me', 'bob'], { lastSeq: log.length, lastMessage: log.at(-1) ?? null })],
      }),
      'message:history': historyOf(log),
      'conversation:read': () => ({}),
      'user:get': (p: { userIds: string[] }) => ({
        users: p.userIds.map((id) => ({ id, username: id, displayName: id.toUpperCase(), avatarUrl: null, online: id === 'carol', lastSeenAt: null })),
      }),
    };
    TestBed.configureTestingModule({
      providers: [
        { provide: ChatSocket, useValue: socket },
        { provide: AuthStore, useValue: { user: signal(ME), signedIn: signal(true) } },
      ],
    });
    store = TestBed.inject(ChatStore);
  });

  async function openC1(): Promise<void> {
    socket.open();
    await settle(30);
    store.open('c1');
    await settle(30);
    // What the pane does once it has rendered the newest message.
    store.setAtNewest('c1', true);
    await settle();
  }

  const seqs = () => store.timeline('c1')?.messages.map((m) => m.seq);

  it('loads the conversation list and names people from contacts', async () => {
    socket.open();
    await settle(30);
    expect(store.conversations().map((c) => c.id)).toEqual(['c1']);
    expect(store.title(store.conversations()[0])).toBe('Bob');
    expect(store.presence('bob')?.online).toBe(true);
  });

  it('learns names and presence of co-members it does not know with user:get, adding nobody to the contacts', async () => {
    socket.responders['conversation:list'] = () => ({ conversations: [conversation('g1', ['me', 'bob', 'carol', 'dave'], { type: 'group', name: 'team' })] });
    socket.open();
    await settle(30);
    const asked = socket.requests.filter((r) => r.event === 'user:get');
    expect(asked).toHaveLength(1);
    expect((asked[0]!.payload as { userIds: string[] }).userIds.sort()).toEqual(['carol', 'dave']);
    expect(store.userName('carol')).toBe('CAROL');
    expect(store.presence('carol')).toEqual({ online: true, lastSeenAt: null });
    expect(socket.requests.some((r) => r.event === 'contact:add')).toBe(false);
  });

  it('shows a sent message as pending until its ack, then once in the timeline', async () => {
    await openC1();
    const ack = deferred<AckData<'message:send'>>();
    socket.responders['message:send'] = () => ack.promise;
    store.send('c1', '  hello  ');
    expect(store.pendingIn('c1')).toHaveLength(1);
    expect(store.pendingIn('c1')[0].state).toBe('sending');
    const sent = socket.sentOf('message:send')[0];
    expect(sent.text).toBe('hello');
    const stored = message('c1', 4, 'me', { text: 'hello', clientMsgId: sent.clientMsgId });
    ack.resolve({ message: stored });
    await settle();
    expect(store.pendingIn('c1')).toHaveLength(0);
    socket.push('message:new', { message: stored });
    expect(seqs()).toEqual([1, 2, 3, 4]);
  });

  it('matches message:new to the pending message by clientMsgId before the ack arrives', async () => {
    await openC1();
    socket.responders['message:send'] = () => new Promise(() => undefined);
    store.send('c1', 'hi');
    const { clientMsgId } = socket.sentOf('message:send')[0];
    socket.push('message:new', { message: message('c1', 4, 'me', { text: 'hi', clientMsgId }) });
    expect(store.pendingIn('c1')).toHaveLength(0);
    expect(seqs()).toEqual([1, 2, 3, 4]);
  });

  it('retries a send that timed out with the same clientMsgId', async () => {
    await openC1();
    vi.useFakeTimers();
    try {
      let calls = 0;
      socket.responders['message:send'] = (p) => {
        calls++;
        if (calls === 1) throw new ApiError('UNAVAILABLE', 'operation has timed out', true);
        return { message: message('c1', 4, 'me', { text: p.text, clientMsgId: p.clientMsgId }) };
      };
      store.send('c1', 'again');
      await vi.advanceTimersByTimeAsync(5000);
      const sends = socket.sentOf('message:send');
      expect(sends).toHaveLength(2);
      expect(sends[1].clientMsgId).toBe(sends[0].clientMsgId);
      expect(store.pendingIn('c1')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a message pending while offline and sends it after the reconnect, with the same clientMsgId', async () => {
    await openC1();
    socket.responders['message:send'] = (p) => ({ message: message('c1', 4, 'me', { text: p.text, clientMsgId: p.clientMsgId }) });
    socket.drop();
    store.send('c1', 'offline');
    await settle();
    expect(socket.sentOf('message:send')).toHaveLength(0);
    const id = store.pendingIn('c1')[0].clientMsgId;
    socket.open();
    await settle(30);
    expect(socket.sentOf('message:send').map((p) => p.clientMsgId)).toEqual([id]);
    expect(store.pendingIn('c1')).toHaveLength(0);
  });

  it('shows the server refusal on a pending message and lets it be retried', async () => {
    await openC1();
    socket.responders['message:send'] = () => {
      throw new ApiError('FORBIDDEN', 'not a member');
    };
    store.send('c1', 'nope');
    await settle();
    expect(store.pendingIn('c1')[0].state).toBe('failed');
    expect(store.pendingIn('c1')[0].error).toContain('not allowed');
  });

  it('catches up every held conversation with afterSeq after a reconnect, page by page, with no doubles', async () => {
    await openC1();
    socket.drop();
    for (let s = 4; s <= 160; s++) log.push(message('c1', s, 'bob'));
    socket.open();
    await settle(60);
    const after = socket.sentOf('message:history').filter((p) => p.afterSeq !== undefined).map((p) => p.afterSeq);
    expect(after).toEqual([3, 103]);
    const held = seqs() ?? [];
    expect(held).toHaveLength(160);
    expect(new Set(held).size).toBe(160);
    expect(held[159]).toBe(160);
  });

  it('fetches what is missing when message:new skips a seq', async () => {
    await openC1();
    log.push(message('c1', 4, 'bob'), message('c1', 5, 'bob'), message('c1', 6, 'bob'));
    socket.push('message:new', { message: log[5] });
    await settle(30);
    expect(socket.sentOf('message:history').at(-1)?.afterSeq).toBe(3);
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('counts unread for a conversation not on screen, and follows reads from another tab', async () => {
    socket.open();
    await settle(30);
    socket.push('message:new', { message: message('c1', 4, 'bob') });
    socket.push('message:new', { message: message('c1', 5, 'bob') });
    expect(store.conversation('c1')?.unread).toBe(2);
    socket.push('read:update', { conversationId: 'c1', userId: 'me', seq: 5 });
    expect(store.conversation('c1')?.unread).toBe(0);
  });

  it('marks the open conversation read when a message arrives in it', async () => {
    await openC1();
    socket.push('message:new', { message: message('c1', 4, 'bob') });
    await settle();
    expect(store.conversation('c1')?.unread).toBe(0);
    expect(socket.sentOf('conversation:read').at(-1)).toEqual({ conversationId: 'c1', seq: 4 });
  });

  it('does not mark read what arrives while the reader is up in history, and reads it on the way back down', async () => {
    await openC1();
    store.setAtNewest('c1', false);
    socket.push('message:new', { message: message('c1', 4, 'bob') });
    await settle();
    expect(store.conversation('c1')?.unread).toBe(1);
    expect(socket.sentOf('conversation:read').some((r) => r.seq === 4)).toBe(false);
    store.setAtNewest('c1', true);
    await settle();
    expect(store.conversation('c1')?.unread).toBe(0);
    expect(socket.sentOf('conversation:read').at(-1)).toEqual({ conversationId: 'c1', seq: 4 });
  });

  it('reads only what the pane has shown: nothing on opening, then up to the last message on screen', async () => {
    socket.responders['conversation:list'] = () => ({
      conversations: [conversation('c1', ['me', 'bob'], { lastSeq: 3, lastMessage: log[2], unread: 3 })],
    });
    socket.open();
    await settle(30);
    store.open('c1');
    await settle(30);
    expect(socket.sentOf('conversation:read')).toEqual([]);
    store.seen('c1', 2);
    expect(socket.sentOf('conversation:read')).toEqual([{ conversationId: 'c1', seq: 2 }]);
    expect(store.conversation('c1')?.unread).toBe(1);
    store.seen('c1', 1);
    expect(socket.sentOf('conversation:read')).toHaveLength(1);
    store.setAtNewest('c1', true);
    expect(socket.sentOf('conversation:read').at(-1)).toEqual({ conversationId: 'c1', seq: 3 });
    expect(store.conversation('c1')?.unread).toBe(0);
  });

  it('applies edits and deletes pushed by others', async () => {
    await openC1();
    socket.push('message:updated', { message: message('c1', 2, 'bob', { text: 'fixed', editedAt: '2026-01-02T00:00:00.000Z' }) });
    socket.push('message:updated', { message: message('c1', 3, 'bob', { text: '', deletedAt: '2026-01-02T00:00:00.000Z' }) });
    const held = store.timeline('c1')?.messages ?? [];
    expect(held[1].text).toBe('fixed');
    expect(held[2].deletedAt).not.toBeNull();
    expect(store.conversation('c1')?.lastMessage?.deletedAt).not.toBeNull();
  });

  it('drops a conversation on conversation:removed and says why', async () => {
    socket.open();
    await settle(30);
    socket.push('conversation:removed', { conversationId: 'c1', reason: 'removed' });
    expect(store.conversation('c1')).toBeUndefined();
    expect(store.notice()?.text).toContain('removed from Bob');
  });

  it('shows who is typing until they stop or it lapses', async () => {
    vi.useFakeTimers();
    try {
      socket.open();
      await vi.advanceTimersByTimeAsync(10);
      socket.push('typing', { conversationId: 'c1', userId: 'bob', typing: true });
      expect(store.typingIn('c1')).toEqual(['Bob']);
      await vi.advanceTimersByTimeAsync(7000);
      expect(store.typingIn('c1')).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('records read receipts of the other members', async () => {
    await openC1();
    socket.push('read:update', { conversationId: 'c1', userId: 'bob', seq: 2 });
    expect(store.readersOf('c1', 2)).toEqual(['bob']);
    expect(store.readersOf('c1', 3)).toEqual([]);
  });

  it('learns the read markers of the others with read:list when a conversation opens (receipts after a reload)', async () => {
    socket.responders['read:list'] = () => ({ reads: [{ userId: 'bob', seq: 3 }, { userId: 'me', seq: 3 }] });
    await openC1();
    expect(socket.sentOf('read:list')).toEqual([{ conversationId: 'c1' }]);
    expect(store.readersOf('c1', 3)).toEqual(['bob']);
  });

  it('keeps a draft per conversation and announces typing at most every few seconds', async () => {
    await openC1();
    store.setDraft('c1', 'half a thou');
    expect(store.draft('c1')).toBe('half a thou');
    store.typed('c1', 'h');
    store.typed('c1', 'he');
    expect(socket.notified.filter((n) => n.event === 'typing')).toHaveLength(1);
    store.stopTyping('c1');
    expect(socket.notified.at(-1)?.payload).toEqual({ conversationId: 'c1', typing: false });
  });
});
