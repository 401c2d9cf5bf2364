import { RevokedSessions } from './revoked-sessions';

describe('RevokedSessions', () => {
  it('remembers a revoked session for as long as its access tokens can live, counted from the revocation', () => {
    const revoked = new RevokedSessions();
    revoked.add('now');
    revoked.add('ten-minutes-ago', Date.now() - 10 * 60 * 1000);
    revoked.add('an-hour-ago', Date.now() - 60 * 60 * 1000);
    expect(revoked.has('now')).toBe(true);
    expect(revoked.has('ten-minutes-ago')).toBe(true);
    expect(revoked.has('an-hour-ago')).toBe(false);
    expect(revoked.has('never')).toBe(false);
  });

  it('an older copy of a revocation does not shorten a newer one', () => {
    const revoked = new RevokedSessions();
    revoked.add('s');
    revoked.add('s', Date.now() - 15 * 60 * 1000);
    jest.useFakeTimers({ now: Date.now() + 10 * 60 * 1000 });
    try {
      expect(revoked.has('s')).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
