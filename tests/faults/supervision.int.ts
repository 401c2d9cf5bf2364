// `npm start` heals by itself: a service killed with SIGKILL during a load is
// started again by the launcher's supervisor (scripts/lib/platform.mjs), and
// the load loses and doubles nothing. The platform here is the one `npm start`
// runs (the built dist/ bundles), on the harness's Kafka and FerretDB.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChatLoad } from '@chat/testing';
import { freePort } from '../../scripts/infra/index.mjs';
import { randomSecret, startServices, superviseServices, type LocalPlatform } from '../../scripts/lib/platform.mjs';

const root = path.resolve(__dirname, '..', '..');

describe('npm start supervises its services', () => {
  let platform: LocalPlatform;
  const lines: string[] = [];

  beforeAll(async () => {
    const id = `supervise-${process.pid}-${Date.now().toString(36)}`;
    const ports: Record<string, number> = {};
    for (const name of ['gateway', 'auth', 'users', 'messaging', 'presence', 'media']) ports[name] = await freePort();
    platform = await startServices({
      kafkaBrokers: process.env.KAFKA_BROKERS as string,
      mongoUrl: process.env.MONGO_URL as string,
      jwtSecret: randomSecret(),
      s3: { endpoint: process.env.S3_ENDPOINT as string, accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '', bucket: `chat-${id}` },
      ports,
      env: { KAFKA_NAMESPACE: id, MONGO_DB: id.replace(/-/g, '_'), RATE_LIMITS: 'off', LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '4000' },
      logDir: path.join(root, '.logs', 'supervision-test'),
      tag: 'supervision-test',
    });
    superviseServices(platform, { log: (name, line) => lines.push(`${name}: ${line}`), firstDelayMs: 500 });
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
  });

  // Every service, the gateway too: its clients reconnect to the restarted one and catch up.
  for (const name of ['messaging', 'users', 'auth', 'presence', 'gateway'] as const) {
    it(`SIGKILL of ${name} under load: restarted and healthy within seconds, nothing lost or doubled`, async () => {
      const service = platform.services.find((s) => s.name === name);
      if (!service) throw new Error(`no ${name}`);
      const before = service.restarts ?? 0;
      const load = new ChatLoad({ urls: () => [platform.url], messagesPerSender: 60, intervalMs: 25, ackTimeoutMs: 3000 });
      try {
        await load.setup();
        const running = load.run();
        await sleep(600);
        const killedAt = Date.now();
        process.kill(service.proc.pid as number, 'SIGKILL');
        // Back within seconds, with nobody touching it.
        while ((service.restarts ?? 0) === before || !(await healthy(service.healthUrl))) {
          if (Date.now() - killedAt > 60_000) throw new Error(`${name} not back after 60 s; supervisor said: ${lines.join(' | ')}`);
          await sleep(200);
        }
        const backMs = Date.now() - killedAt;
        await running;
        const report = await load.verify();
        console.log(`[supervision] ${name}: back in ${backMs} ms; ${JSON.stringify(report)}`);
        expect(backMs).toBeLessThan(30_000);
        expect(report.acked).toBe(report.sent);
        expect(report).toMatchObject({ lost: 0, duplicated: 0, seqContiguous: true, socketsMissing: 0, duplicatePushes: 0, repliesBroken: 0, reactionsLost: 0 });
        expect(report.stored).toBe(report.acked);
        expect(lines.some((l) => l.startsWith(`${name}: exited`))).toBe(true);
      } finally {
        load.close();
      }
    }, 300_000);
  }
});

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}
