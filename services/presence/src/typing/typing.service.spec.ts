import { Logger } from '@nestjs/common';
import { LIMITS } from '@chat/contracts';
import type { AudienceRepository } from '../audience/audience.repository';
import { AudienceService } from '../audience/audience.service';
import type { PresencePublisher } from '../publisher/presence.publisher';
import { conversationChanged, FakeAudienceRepository, FakePublisher } from '../testing/fakes';
import { TypingService } from './typing.service';

describe('TypingService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let pushes: FakePublisher;
  let typing: TypingService;

  beforeEach(async () => {
    jest.useFakeTimers();
    const audience = new AudienceService(new FakeAudienceRepository() as unknown as AudienceRepository);
    await audience.conversationChanged(conversationChanged('g1', ['alice', 'bob', 'carol'], 1));
    pushes = new FakePublisher();
    typing = new TypingService(audience, pushes as unknown as PresencePublisher);
  });

  afterEach(() => {
    typing.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('relays typing: true to the other members only', async () => {
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    expect(pushes.typingIn('g1')).toEqual([{ recipients: ['bob', 'carol'], userId: 'alice', typing: true }]);
  });

  it('ignores typing from a non-member, and in an unknown conversation, silently', async () => {
    await typing.changed({ conversationId: 'g1', userId: 'mallory', typing: true });
    await typing.changed({ conversationId: 'nope', userId: 'alice', typing: true });
    expect(pushes.sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(LIMITS.typingTtlMs * 2);
    expect(pushes.sent).toEqual([]);
  });

  it('typing: true lapses into typing: false after the TTL without renewal, once', async () => {
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    await jest.advanceTimersByTimeAsync(LIMITS.typingTtlMs - 1);
    expect(pushes.typingIn('g1').map((p) => p.typing)).toEqual([true]);
    await jest.advanceTimersByTimeAsync(1);
    expect(pushes.typingIn('g1')).toEqual([
      { recipients: ['bob', 'carol'], userId: 'alice', typing: true },
      { recipients: ['bob', 'carol'], userId: 'alice', typing: false },
    ]);
    await jest.advanceTimersByTimeAsync(LIMITS.typingTtlMs * 3);
    expect(pushes.typingIn('g1')).toHaveLength(2);
    expect(typing.isTyping('g1', 'alice')).toBe(false);
  });

  it('a renewal within the TTL is relayed and restarts the TTL', async () => {
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    await jest.advanceTimersByTimeAsync(3000);
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    await jest.advanceTimersByTimeAsync(3000);
    expect(pushes.typingIn('g1').map((p) => p.typing)).toEqual([true, true]);
    await jest.advanceTimersByTimeAsync(2000);
    expect(pushes.typingIn('g1').map((p) => p.typing)).toEqual([true, true, false]);
  });

  it('typing: false is relayed at once when typing, and nothing when not', async () => {
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: false });
    expect(pushes.sent).toEqual([]);
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: false });
    expect(pushes.typingIn('g1').map((p) => p.typing)).toEqual([true, false]);
    await jest.advanceTimersByTimeAsync(LIMITS.typingTtlMs * 2);
    expect(pushes.typingIn('g1')).toHaveLength(2);
  });

  it('when the typist is gone, every conversation they typed in hears typing: false', async () => {
    await typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    await typing.changed({ conversationId: 'g1', userId: 'bob', typing: true });
    await typing.userGone('alice');
    expect(pushes.typingIn('g1').filter((p) => p.userId === 'alice').map((p) => p.typing)).toEqual([true, false]);
    expect(typing.isTyping('g1', 'bob')).toBe(true);
    await typing.userGone('alice');
    expect(pushes.typingIn('g1').filter((p) => p.userId === 'alice')).toHaveLength(2);
  });
});
