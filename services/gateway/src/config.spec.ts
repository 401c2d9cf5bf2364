import { EnvSchema, trustedProxies } from './config';

const base = { JWT_SECRET: 'x'.repeat(32), MEDIA_URL_SECRET: 'm'.repeat(32) };

describe('TRUSTED_PROXIES', () => {
  it('trusts no proxy by default, so X-Forwarded-For is never believed', () => {
    const env = EnvSchema.parse(base);
    expect(trustedProxies(env)).toBe(false);
  });

  it('takes addresses and CIDRs of both families', () => {
    const env = EnvSchema.parse({ ...base, TRUSTED_PROXIES: '10.42.0.0/16, 192.168.1.7,fd00::/8' });
    expect(trustedProxies(env)).toEqual(['10.42.0.0/16', '192.168.1.7', 'fd00::/8']);
  });

  it.each(['loopback', '10.0.0.0/33', '10.0.0.0/8/1', 'example.com', '::1/129'])('refuses %s, naming the variable', (value) => {
    const result = EnvSchema.safeParse({ ...base, TRUSTED_PROXIES: value });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('TRUSTED_PROXIES');
  });
});
