import { refusedPrincipal } from '@chat/platform-kafka';
import { envMs, startupStep, StartupTimeoutError, untilKafkaAccepts } from './startup';
import { startupBounds } from './bootstrap';

describe('start-up steps', () => {
  it('a step that never finishes fails after its bound, naming the step, and reports progress meanwhile', async () => {
    const progress: number[] = [];
    const hung = startupStep('connect to Kafka', () => new Promise<void>(() => undefined), { timeoutMs: 120, everyMs: 30, progress: (ms) => progress.push(ms) });
    await expect(hung).rejects.toThrow(StartupTimeoutError);
    await expect(hung).rejects.toThrow('start-up step "connect to Kafka" did not finish within 0 s');
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });

  it('a step that finishes in time gives its result; one that fails gives its error', async () => {
    await expect(startupStep('x', async () => 42, { timeoutMs: 1000 })).resolves.toBe(42);
    await expect(startupStep('x', async () => Promise.reject(new Error('boom')), { timeoutMs: 1000 })).rejects.toThrow('boom');
  });

  it('bounds come from the environment, with defaults under the chart\'s 300 s startup probe', () => {
    expect(startupBounds({})).toEqual({ stepMs: 120_000, kafkaWaitMs: 240_000 });
    expect(startupBounds({ STARTUP_STEP_TIMEOUT_MS: '5000', KAFKA_CONNECT_WAIT_MS: 'x' })).toEqual({ stepMs: 5000, kafkaWaitMs: 240_000 });
    expect(envMs('N', 7, { N: '-1' })).toBe(7);
  });
});

describe('Kafka refusing the principal', () => {
  // As kafkajs reports them: a SASL failure, or a protocol error wrapped by its retrier.
  const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'), { name: 'KafkaJSSASLAuthenticationError' });
  const acl = Object.assign(new Error('Not authorized to access topics: [Topic authorization failed]'), { name: 'KafkaJSNonRetriableError', cause: Object.assign(new Error('x'), { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' }) });
  const down = Object.assign(new Error('Connection error: connect ECONNREFUSED 10.96.0.5:9092'), { name: 'KafkaJSConnectionError' });

  it('is told apart from the broker being away', () => {
    expect(refusedPrincipal(sasl)).toBe(true);
    expect(refusedPrincipal(acl)).toBe(true);
    expect(refusedPrincipal(Object.assign(new Error('retries'), { originalError: sasl }))).toBe(true);
    expect(refusedPrincipal(down)).toBe(false);
    expect(refusedPrincipal(undefined)).toBe(false);
  });

  it('is waited out, saying so, until the principal is accepted', async () => {
    const said: string[] = [];
    let calls = 0;
    await untilKafkaAccepts(async () => {
      if (++calls < 3) throw sasl;
    }, { waitMs: 1000, retryMs: 10, say: (m) => said.push(m) });
    expect(calls).toBe(3);
    expect(said[0]).toMatch(/Kafka refused this service's principal \(SASL SCRAM.*\): its user or ACLs may not exist yet.*attempt 1/);
    expect(said.at(-1)).toBe('connected to Kafka on attempt 3');
  });

  it('a broker not reachable yet (restarting beside the service) is waited out too', async () => {
    const said: string[] = [];
    let calls = 0;
    const gaveUp = Object.assign(new Error('Connection error: connect ECONNREFUSED 10.244.0.11:9092'), { name: 'KafkaJSNonRetriableError', retriable: false, cause: down });
    await untilKafkaAccepts(async () => {
      if (++calls < 2) throw gaveUp;
    }, { waitMs: 1000, retryMs: 10, say: (m) => said.push(m) });
    expect(said[0]).toMatch(/^Kafka is not reachable yet \(Connection error: connect ECONNREFUSED.*\); trying again/);
  });

  it('any other failure, or one that outlasts the wait, is thrown', async () => {
    const bug = new TypeError('a bug');
    await expect(untilKafkaAccepts(async () => Promise.reject(bug), { waitMs: 1000, retryMs: 10, say: () => undefined })).rejects.toBe(bug);
    let calls = 0;
    await expect(untilKafkaAccepts(async () => { calls++; throw sasl; }, { waitMs: 50, retryMs: 10, say: () => undefined })).rejects.toBe(sasl);
    expect(calls).toBeGreaterThan(1);
  });
});
