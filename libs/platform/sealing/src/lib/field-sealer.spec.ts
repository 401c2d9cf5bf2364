import { FieldSealer } from './field-sealer';

const secret = 'a'.repeat(40);

describe('FieldSealer', () => {
  it('round-trips, and the sealed text holds nothing of the plain text', () => {
    const s = new FieldSealer(secret);
    const sealed = s.seal('correct horse battery', 'auth.login/password');
    expect(sealed.startsWith('s1.')).toBe(true);
    expect(sealed).not.toContain('correct');
    expect(Buffer.from(sealed.split('.')[2]!, 'base64url').toString('latin1')).not.toContain('horse');
    expect(s.unseal(sealed, 'auth.login/password')).toBe('correct horse battery');
  });

  it('seals the same text differently each time', () => {
    const s = new FieldSealer(secret);
    expect(s.seal('x', 'c')).not.toBe(s.seal('x', 'c'));
  });

  it('refuses another context, another key, a changed byte and plain text', () => {
    const s = new FieldSealer(secret);
    const sealed = s.seal('token', 'reply/refreshToken');
    expect(() => s.unseal(sealed, 'auth.login/password')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => new FieldSealer('b'.repeat(40)).unseal(sealed, 'reply/refreshToken')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => s.unseal(flipped, 'reply/refreshToken')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => s.unseal('token', 'reply/refreshToken')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('refuses a short secret', () => {
    expect(() => new FieldSealer('short')).toThrow('at least 32');
  });
});
