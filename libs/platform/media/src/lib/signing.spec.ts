import { UrlSigner } from './signing';

const secret = 's'.repeat(40);
const now = Date.parse('2030-01-01T00:00:00Z');
const grantOf = (url: string) => {
  const u = new URL(url, 'http://x');
  const [, , , , id, variant] = u.pathname.split('/');
  return { grant: { id: id!, variant: variant as 'original' | 'thumbnail', expires: Number(u.searchParams.get('e')) }, sig: u.searchParams.get('s')! };
};

describe('UrlSigner', () => {
  const signer = new UrlSigner(secret, 3600);

  it('signs a URL that verifies until its expiry, which lies between ttl and 1.25 ttl ahead', () => {
    const { grant, sig } = grantOf(signer.url('abc', 'original', now));
    expect(grant.expires * 1000 - now).toBeGreaterThanOrEqual(3600_000);
    expect(grant.expires * 1000 - now).toBeLessThanOrEqual(4500_000);
    expect(signer.verify(grant, sig, now)).toBe(true);
    expect(signer.verify(grant, sig, grant.expires * 1000)).toBe(false);
  });

  it('gives the same URL within a quarter of the ttl, so browsers can cache it', () => {
    expect(signer.url('abc', 'original', now + 1000)).toBe(signer.url('abc', 'original', now + 60_000));
  });

  it('refuses a URL moved to another attachment, the other variant, a later expiry, or signed with another key', () => {
    const { grant, sig } = grantOf(signer.url('abc', 'thumbnail', now));
    expect(signer.verify({ ...grant, id: 'abd' }, sig, now)).toBe(false);
    expect(signer.verify({ ...grant, variant: 'original' }, sig, now)).toBe(false);
    expect(signer.verify({ ...grant, expires: grant.expires + 3600 }, sig, now)).toBe(false);
    expect(signer.verify(grant, sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A'), now)).toBe(false);
    expect(new UrlSigner('t'.repeat(40)).verify(grant, sig, now)).toBe(false);
  });

  it('signs actor headers that name their user and expire, and no URL signature passes as one', () => {
    const header = signer.actorHeader('user-1', now);
    expect(signer.actorOf(header, now)).toBe('user-1');
    expect(signer.actorOf(header, now + 301_000)).toBeNull();
    expect(signer.actorOf(header.replace('user-1', 'user-2'), now)).toBeNull();
    expect(signer.actorOf(undefined, now)).toBeNull();
    const { grant, sig } = grantOf(signer.url('user-1', 'original', now));
    expect(signer.actorOf(`user-1.${grant.expires}.${sig}`, now)).toBeNull();
  });

  it('refuses a short secret', () => {
    expect(() => new UrlSigner('short')).toThrow(/32/);
  });
});
