import { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { Argon2Hasher } from './password-hasher';

describe('Argon2Hasher', () => {
  it('hashes with argon2id at the OWASP parameters, salted, and verifies only the right password', async () => {
    const hasher = new Argon2Hasher(new ConfigService<Env, true>({ ARGON2_MEMORY_KIB: 19456, ARGON2_TIME_COST: 2, ARGON2_PARALLELISM: 1 }));
    const a = await hasher.hash('correct horse');
    const b = await hasher.hash('correct horse');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, 'correct horse')).toBe(true);
    expect(await hasher.verify(a, 'correct horsE')).toBe(false);
    expect(await hasher.verify('not a hash', 'x')).toBe(false);
  });
});
