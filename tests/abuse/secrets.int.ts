// Security review finding 1: no password or token ever rests in the broker. A user
// registers, signs in, refreshes and signs out through the gateway against a broker
// of this file's own; then every file of the broker's data folder is searched for
// each secret the protocol handed out. The username, which does cross the bus in
// clear, is searched too: finding it proves the search reads the broker's messages.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { http, startPlatformOnOwnInfra, uniqueName, type OwnInfra, type Platform } from '@chat/testing';
import type { AuthResult } from '@chat/contracts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('finding 1: passwords and tokens never rest in Kafka', () => {
  let infra: OwnInfra;
  let platform: Platform;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ infra, platform, stop } = await startPlatformOnOwnInfra({ env: { RATE_LIMITS: 'off' } }));
  }, 600_000);

  afterAll(async () => {
    await stop?.();
  });

  it('registers, logs in, refreshes, logs out, changes the password and deletes the account; no broker file holds a password or any token', async () => {
    const username = uniqueName('secret');
    const password = `pw-${uniqueName('p')}-never-in-kafka`;
    const secrets: string[] = [password];
    const reg = await http<AuthResult>(platform.url, 'POST', '/api/v1/auth/register', { username, password });
    expect(reg.status).toBe(201);
    secrets.push(reg.body.accessToken, reg.body.refreshToken);
    const login = await http<AuthResult>(platform.url, 'POST', '/api/v1/auth/login', { username, password });
    expect(login.status).toBe(200);
    secrets.push(login.body.accessToken, login.body.refreshToken);
    let refreshToken = login.body.refreshToken;
    for (let i = 0; i < 2; i++) {
      const next = await http<AuthResult>(platform.url, 'POST', '/api/v1/auth/refresh', { refreshToken });
      expect(next.status).toBe(200);
      secrets.push(next.body.accessToken, next.body.refreshToken);
      refreshToken = next.body.refreshToken;
    }
    const out = await http(platform.url, 'POST', '/api/v1/auth/logout', { refreshToken }, { authorization: `Bearer ${secrets.at(-2)!}` });
    expect(out.status).toBe(204);
    // A wrong password and a replayed token: refused requests carry secrets too.
    expect((await http(platform.url, 'POST', '/api/v1/auth/login', { username, password: `${password}-wrong` })).status).toBe(401);
    secrets.push(`${password}-wrong`);
    expect((await http(platform.url, 'POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(401);

    // v1.1: a password change (a wrong current one too) and an account deletion carry passwords as well.
    const fresh = await http<AuthResult>(platform.url, 'POST', '/api/v1/auth/login', { username, password });
    expect(fresh.status).toBe(200);
    secrets.push(fresh.body.accessToken, fresh.body.refreshToken);
    const bearer = { authorization: `Bearer ${fresh.body.accessToken}` };
    const newPassword = `${password}-renewed`;
    const badCurrent = `${password}-not-current`;
    expect((await http(platform.url, 'POST', '/api/v1/auth/password', { currentPassword: badCurrent, newPassword }, bearer)).status).toBe(401);
    expect((await http(platform.url, 'POST', '/api/v1/auth/password', { currentPassword: password, newPassword }, bearer)).status).toBe(204);
    secrets.push(newPassword, badCurrent);
    expect((await http(platform.url, 'DELETE', '/api/v1/me', { password: `${newPassword}-wrong` }, bearer)).status).toBe(401);
    expect((await http(platform.url, 'DELETE', '/api/v1/me', { password: newPassword }, bearer)).status).toBe(204);
    secrets.push(`${newPassword}-wrong`);

    const kafkaDir = join(infra.dataDir, 'kafka');
    const files = filesUnder(kafkaDir);
    expect(files.length).toBeGreaterThan(0);
    const contents = files.map((f) => ({ f, bytes: readFileSync(f) }));
    // The search works: the username (sent in clear to the users service) is there.
    expect(contents.some(({ bytes }) => bytes.includes(username))).toBe(true);
    const found = secrets.flatMap((secret, i) => contents.filter(({ bytes }) => bytes.includes(secret)).map(({ f }) => `secret #${i} in ${f.slice(kafkaDir.length)}`));
    expect(found).toEqual([]);
  }, 300_000);
});
