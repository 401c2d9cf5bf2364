import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChatLoad, startPlatformOnOwnInfra, type LoadReport, type OwnInfra, type Platform } from '@chat/testing';

const RESULTS = join(__dirname, '../../test-results');

async function health(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

describe('faults: the broker or the database away for 20 s', () => {
  let infra: OwnInfra;
  let platform: Platform;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ infra, platform, stop } = await startPlatformOnOwnInfra({ env: { RATE_LIMITS: 'off', REQUEST_TIMEOUT_MS: '4000' } }));
  }, 600_000);

  afterAll(async () => {
    await stop?.();
  });

  const scenarios = (['ferretdb', 'kafka'] as const).flatMap((dependency) => (['stop', 'kill'] as const).map((how) => ({ dependency, how })));
  for (const { dependency, how } of scenarios) {
    it(`${dependency} ${how === 'stop' ? 'stopped' : 'SIGKILLed'} for 20 s mid-load: health turns 503 then 200 by itself, and every acked message is stored once and heard`, async () => {
      const load = new ChatLoad({ urls: () => platform.urls, messagesPerSender: 100, intervalMs: 50, ackTimeoutMs: 3000, deadlineMs: 180_000 });
      await load.setup();
      const running = load.run();
      await load.untilAcked(20);
      await infra.command(`${how} ${dependency}`);
      const stoppedAt = Date.now();
      const messagingHealth = `http://127.0.0.1:${platform.proc('messaging').port}/health`;
      let sawDown = false;
      while (Date.now() - stoppedAt < 20_000) {
        if ((await health(messagingHealth)) === 503) sawDown = true;
        await sleep(1000);
      }
      await infra.command(`start ${dependency}`);
      const restartedAt = Date.now();
      let recoveredMs = -1;
      while (Date.now() - restartedAt < 60_000) {
        if ((await health(messagingHealth)) === 200) {
          recoveredMs = Date.now() - restartedAt;
          break;
        }
        await sleep(500);
      }
      await running;
      // Every process rode out the outage: none ended by itself (an unhandled failure would).
      expect(platform.crashes).toEqual([]);
      const report: LoadReport = await load.verify();
      load.close();
      mkdirSync(RESULTS, { recursive: true });
      const line = { scenario: `${dependency}-${how}-20s`, ...report, healthRecoveredMs: recoveredMs };
      appendFileSync(join(RESULTS, 'faults.jsonl'), `${JSON.stringify(line)}\n`);
      console.log(`[fault] ${JSON.stringify(line)}`);
      expect(sawDown).toBe(true);
      expect(recoveredMs).toBeGreaterThanOrEqual(0);
      expect(report.acked).toBe(report.sent);
      expect(report).toMatchObject({ lost: 0, duplicated: 0, seqContiguous: true, socketsMissing: 0, steadySocketsMissingLive: 0, duplicatePushes: 0, repliesBroken: 0, reactionsLost: 0 });
      expect(report.stored).toBe(report.acked);
      // The outage landed mid-load, and the stall it caused ended within a minute of the restart.
      expect(report.longestGapMs).toBeGreaterThan(15_000);
      expect(report.longestGapMs).toBeLessThanOrEqual(80_000);
      expect(await platform.deadLetters()).toBe(0);
    }, 400_000);
  }
});
