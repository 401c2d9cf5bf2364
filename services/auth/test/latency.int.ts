import { uniqueName, type Platform, startPlatform } from '@chat/testing';
import { PASSWORD, post, warmUp } from './helpers';

/**
 * Measures register and login latency through the gateway (REST → Kafka →
 * auth (argon2id) → users → reply), 100 sequential calls each, and prints
 * p50/p99. Rate limits stay on (raised high), so the limiter's database
 * round trips are part of the figure.
 *
 *   KAFKA_BROKERS=… MONGO_URL=… npx jest -c jest.integration.config.cjs services/auth/test/latency.int.ts
 */
let platform: Platform;
const N = 100;

beforeAll(async () => {
  platform = await startPlatform({
    env: { LOGIN_LIMIT_PER_ADDRESS: '100000', REGISTER_LIMIT_PER_ADDRESS: '100000' },
  });
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000);

afterAll(() => platform?.stop());

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${name}: n=${s.length} p50=${percentile(s, 50).toFixed(1)} ms p99=${percentile(s, 99).toFixed(1)} ms max=${s.at(-1)!.toFixed(1)} ms`;
}

it(`register and login latency over ${N} calls each`, async () => {
  const names: string[] = [];
  // Warm-up (consumer groups settled, connections, JIT, first index use) is not measured.
  await warmUp(platform.url);
  for (let i = 0; i < 5; i++) expect((await post(platform.url, '/api/v1/auth/register', { username: uniqueName('warm'), password: PASSWORD })).status).toBe(201);
  const register: number[] = [];
  for (let i = 0; i < N; i++) {
    const username = uniqueName('lat');
    const t0 = performance.now();
    const res = await post(platform.url, '/api/v1/auth/register', { username, password: PASSWORD });
    register.push(performance.now() - t0);
    expect(res.status).toBe(201);
    names.push(username);
  }
  const login: number[] = [];
  for (const username of names) {
    const t0 = performance.now();
    const res = await post(platform.url, '/api/v1/auth/login', { username, password: PASSWORD });
    login.push(performance.now() - t0);
    expect(res.status).toBe(200);
  }
  const report = [summary('register', register), summary('login', login)].join('\n');
  // eslint-disable-next-line no-console
  console.log(report);
  expect(register).toHaveLength(N);
  expect(login).toHaveLength(N);
}, 600_000);
