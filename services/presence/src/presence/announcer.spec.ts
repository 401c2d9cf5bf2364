import { announce } from './announcer';

const GRACE = 5000;
const NOW = 1_000_000;

describe('announce', () => {
  it('tells peers at once when the first socket arrives', () => {
    expect(announce({ online: false, lastSeenAt: 10 }, true, { seenAt: 50, graceMs: GRACE }, undefined, NOW)).toEqual({ kind: 'publish', online: true, lastSeenAt: 50 });
    expect(announce({ online: false, lastSeenAt: null }, true, { graceMs: GRACE }, undefined, NOW)).toEqual({ kind: 'publish', online: true, lastSeenAt: NOW });
  });

  it('only moves the stored last-seen while peers already know, and never moves it back', () => {
    expect(announce({ online: true, lastSeenAt: 10 }, true, { seenAt: 50, graceMs: GRACE }, undefined, NOW)).toEqual({ kind: 'remember', lastSeenAt: 50 });
    expect(announce({ online: true, lastSeenAt: 50 }, true, { seenAt: 10, graceMs: GRACE }, undefined, NOW)).toEqual({ kind: 'nothing' });
    expect(announce({ online: false, lastSeenAt: 10 }, false, { seenAt: 50, graceMs: GRACE }, undefined, NOW)).toEqual({ kind: 'remember', lastSeenAt: 50 });
  });

  it('waits out the grace when the last socket leaves, keeping the latest last-seen of a wait under way', () => {
    expect(announce({ online: true, lastSeenAt: 10 }, false, { seenAt: 50, graceMs: GRACE }, undefined, NOW)).toEqual({ kind: 'wait', lastSeenAt: 50, graceMs: GRACE });
    expect(announce({ online: true, lastSeenAt: 10 }, false, { seenAt: 50, graceMs: GRACE }, 70, NOW)).toEqual({ kind: 'wait', lastSeenAt: 70, graceMs: GRACE });
  });

  it('tells peers at once when no grace is due (a lapsed lease)', () => {
    expect(announce({ online: true, lastSeenAt: 10 }, false, { seenAt: 40, graceMs: 0 }, undefined, NOW)).toEqual({ kind: 'publish', online: false, lastSeenAt: 40 });
  });
});
