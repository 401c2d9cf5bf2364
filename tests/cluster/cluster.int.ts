/**
 * The chart on a real single-node Kubernetes (`npm run test:cluster`, suite `cluster`).
 *
 * In order, each step a test (a failed step fails the ones after it):
 *   1. the cluster's binaries are built (once, cached by version outside the clone) and the
 *      cluster starts (scripts/cluster/cluster.sh up): API server, kubelet, CoreDNS, Traefik;
 *   2. our images (one per entry of the chart's services map, and the web client), the trial
 *      Kafka and FerretDB images are built with podman and imported into containerd;
 *   3. the trial install: in-cluster Kafka (SCRAM + ACLs) and FerretDB, volumes from a
 *      StorageClass, the Ingress served by Traefik on a loopback port; every pod Ready;
 *   4. the protocol through the Ingress: two users, a direct message, a group, an image
 *      uploaded, sent and downloaded through its signed URL (the in-cluster SeaweedFS);
 *   5. faults under a bounded load through the Ingress: a messaging pod deleted, a gateway pod
 *      deleted, `helm upgrade` to a new image tag (every service rolls): nothing acknowledged
 *      lost or doubled, clients reconnect by themselves; the figures go to the log and to
 *      dist/test-reports/cluster/figures.json;
 *   6. the production shape: external Kafka, MongoDB and object store (the launcher's, on the
 *      host, on the bridge address) and secrets from existing Secrets;
 * and the cluster is stopped at the end, whatever happened (the machine left as it was).
 *
 * CHAT_CLUSTER_KEEP=1 leaves the cluster up at the end (stop it with cluster.sh down).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Attachment } from '@chat/contracts';
import { ChatLoad, connect, ok, register, uniqueName, closeAll, type ChatSocket, type LoadReport } from '@chat/testing';

const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, '.logs', 'cluster');
const REPORTS = path.join(ROOT, 'dist', 'test-reports', 'cluster');
const INGRESS_PORT = Number(process.env.CHAT_CLUSTER_INGRESS_PORT || 18080);
const BASE = `http://localhost:${INGRESS_PORT}`;
const RUN = process.env.CHAT_CLUSTER_RUN || '/tmp/chat-cluster';
const KUBECONFIG = path.join(RUN, 'pki', 'admin.kubeconfig');
const TAG = `t${Date.now().toString(36)}`;
const TAG2 = `${TAG}b`;
const NS = 'chat';
const MIN = 60_000;
/** The cluster bridge's address on the host: where pods reach the launcher's Kafka, FerretDB and SeaweedFS. */
const BRIDGE_IP = '10.244.0.1';
let external: ChildProcess | undefined;

mkdirSync(LOGS, { recursive: true });
mkdirSync(REPORTS, { recursive: true });
const timings: Record<string, number> = {};
const figures: Record<string, unknown> = {};
const log = (line: string) => {
  appendFileSync(path.join(LOGS, 'cluster-test.log'), `${new Date().toISOString()} ${line}\n`);
  process.stdout.write(`# ${line}\n`);
};

/** Runs a command to completion, its output in .logs/cluster/<name>.log; rejects on failure or timeout. */
function sh(name: string, cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  const t0 = Date.now();
  const file = path.join(LOGS, `${name}.log`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, KUBECONFIG, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      appendFileSync(file, d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${name}: timed out after ${timeoutMs / 1000} s; see ${file}\n${out.slice(-3000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      timings[name] = (timings[name] ?? 0) + (Date.now() - t0);
      log(`${name}: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (code === 0) resolve(out);
      else reject(new Error(`${name}: exit ${code}; see ${file}\n${out.slice(-3000)}`));
    });
  });
}
const kubectl = (...args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(path.join(binDir(), 'kubectl'), args, { env: { ...process.env, KUBECONFIG }, timeout: 120_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
function binDir(): string {
  const v = readFileSync(path.join(ROOT, 'scripts', 'cluster', 'versions.sh'), 'utf8');
  const k8s = /K8S_VERSION=(\S+)/.exec(v)![1];
  const cache = process.env.CHAT_CLUSTER_CACHE || path.join(process.env.HOME || '/root', '.cache', 'chat-cluster');
  return path.join(cache, `kubernetes-${k8s}`, 'bin');
}
let helm = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every pod of the namespace Running and Ready (or Succeeded), within the time given. */
async function allReady(ns: string, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await kubectl('-n', ns, 'get', 'pods', '-o', 'wide').catch((e) => String(e));
    const pods = JSON.parse(await kubectl('-n', ns, 'get', 'pods', '-o', 'json').catch(() => '{"items":[]}')).items as {
      metadata: { name: string; deletionTimestamp?: string };
      status: { phase: string; conditions?: { type: string; status: string }[] };
    }[];
    const notReady = pods.filter(
      (p) => p.metadata.deletionTimestamp || (p.status.phase !== 'Succeeded' && !p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    );
    if (pods.length > 0 && notReady.length === 0) return last;
    await sleep(3000);
  }
  throw new Error(`pods in ${ns} not all Ready after ${withinMs / 1000} s:\n${last}`);
}

async function podsOf(component: string): Promise<string[]> {
  const out = await kubectl('-n', NS, 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}');
  return out.split('\n').filter(Boolean);
}

/** Values every install here shares: our images from containerd (never pulled), the Ingress by Traefik. */
function commonValues(): string[] {
  return [
    '-f', 'k8s/values-cluster.yaml',
    '--set', 'global.imageRegistry=localhost',
    '--set', `global.imageTag=${TAG}`,
    '--set', `config.corsOrigins[0]=${BASE}`,
    // The load registers dozens of users from one address (the ingress).
    '--set', 'config.rateLimits=off',
  ];
}

let infraImages: Record<string, string> = {};
let stepFailed = '';
/**
 * A step: not run (a clear failure) when an earlier step it depends on failed. A step that
 * leaves the cluster usable for the next ones even when it fails (a fault) is not critical.
 */
function step(name: string, timeoutMs: number, fn: () => Promise<void>, { critical = true } = {}) {
  it(
    name,
    async () => {
      if (stepFailed) throw new Error(`not run: "${stepFailed}" failed`);
      const t0 = Date.now();
      try {
        await fn();
      } catch (err) {
        if (critical) stepFailed = name;
        throw err;
      } finally {
        timings[`step: ${name}`] = Date.now() - t0;
        log(`step "${name}" took ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
      }
    },
    timeoutMs,
  );
}

// Stopped from outside (the runner's time limit, Ctrl-C): the cluster and the launcher go too.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the cluster`);
    if (external && external.exitCode === null) external.kill('SIGTERM');
    if (process.env.CHAT_CLUSTER_KEEP !== '1') spawnSync('bash', ['scripts/cluster/cluster.sh', 'down'], { cwd: ROOT, stdio: 'inherit', timeout: 170_000 });
    process.exit(130);
  });
}

afterAll(async () => {
  if (external && external.exitCode === null) {
    external.kill('SIGTERM');
    await new Promise((r) => { external!.once('exit', r); setTimeout(r, 30_000); });
  }
  writeFileSync(path.join(REPORTS, 'figures.json'), JSON.stringify({ timings, figures }, null, 2));
  if (process.env.CHAT_CLUSTER_KEEP === '1') {
    log(`cluster left running (CHAT_CLUSTER_KEEP=1): export KUBECONFIG=${KUBECONFIG}; stop: bash scripts/cluster/cluster.sh down`);
    return;
  }
  await sh('cluster-down', 'bash', ['scripts/cluster/cluster.sh', 'down'], 5 * MIN).catch((e) => log(String(e)));
}, 6 * MIN);

/** POST /api/v1/uploads through the Ingress (multipart, one field `file`). */
async function upload(accessToken: string, bytes: Buffer, name: string): Promise<Attachment> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name);
  const res = await fetch(`${BASE}/api/v1/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${accessToken}` } });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${text}`);
  return (JSON.parse(text) as { attachment: Attachment }).attachment;
}

async function download(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${BASE}${url}`);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

async function walkProtocol(): Promise<void> {
    const health = await fetch(`${BASE}/api/v1/health`);
    expect(health.status).toBe(200);
    const web = await fetch(`${BASE}/`);
    expect(await web.text()).toMatch(/<html/i);
    const [a, b, c] = await Promise.all([register(BASE, uniqueName('alice')), register(BASE, uniqueName('bob')), register(BASE, uniqueName('carol'))]);
    let alice: ChatSocket | undefined, bob: ChatSocket | undefined, carol: ChatSocket | undefined;
    try {
      [alice, bob, carol] = await Promise.all([connect(BASE, a.accessToken), connect(BASE, b.accessToken), connect(BASE, c.accessToken)]);
      const { conversation: direct } = await ok(alice, 'conversation:direct', { userId: b.user.id });
      const heard = new Promise<{ id: string; text: string }>((resolve) => bob!.on('message:new', (p) => resolve(p.message)));
      const { message } = await ok(alice, 'message:send', { conversationId: direct.id, text: 'hello through the ingress', clientMsgId: uniqueName('m') });
      const pushed = await Promise.race([heard, sleep(20_000).then(() => null)]);
      expect(pushed?.id).toBe(message.id);
      const { conversation: group } = await ok(alice, 'group:create', { name: 'cluster group', memberIds: [b.user.id, c.user.id] });
      const toCarol = new Promise<{ id: string }>((resolve) => carol!.on('message:new', (p) => p.message.conversationId === group.id && resolve(p.message)));
      const { message: gm } = await ok(bob, 'message:send', { conversationId: group.id, text: 'hello group', clientMsgId: uniqueName('g') });
      expect((await Promise.race([toCarol, sleep(20_000).then(() => null)]))?.id).toBe(gm.id);
      const history = await ok(carol, 'message:history', { conversationId: group.id });
      expect(history.messages.map((m) => m.id)).toContain(gm.id);
      // Files: an image uploaded through the Ingress (media, the object store), sent in the
      // direct conversation, downloaded by the other member through its signed URL.
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } }).png().toBuffer();
      const t0 = Date.now();
      const attachment = await upload(a.accessToken, png, 'cluster.png');
      expect(attachment).toMatchObject({ name: 'cluster.png', size: png.length, contentType: 'image/png', width: 64, height: 48 });
      const withFile = new Promise<{ id: string; attachments: Attachment[] }>((resolve) => bob!.on('message:new', (p) => p.message.attachments?.length && resolve(p.message)));
      const { message: fm } = await ok(alice, 'message:send', { conversationId: direct.id, text: 'a picture', clientMsgId: uniqueName('f'), attachmentIds: [attachment.id] });
      const got = await Promise.race([withFile, sleep(20_000).then(() => null)]);
      expect(got?.id).toBe(fm.id);
      const [received] = got!.attachments;
      const original = await download(received!.url);
      expect([original.status, original.type]).toEqual([200, 'image/png']);
      expect(original.bytes.equals(png)).toBe(true);
      const thumb = await download(received!.thumbnailUrl!);
      expect([thumb.status, thumb.type]).toEqual([200, 'image/webp']);
      expect((await download(received!.url.replace(/s=[^&]+/, 's=AAAA'))).status).toBe(404);
      log(`media: upload, send and download of a ${png.length}-byte image in ${Date.now() - t0} ms`);
    } finally {
      closeAll(alice, bob, carol);
    }
  }

describe('the chart on a real single-node Kubernetes', () => {
  step('the cluster is built (cached by version) and starts: node Ready, CoreDNS, Traefik', 60 * MIN, async () => {
    await sh('cluster-build', 'bash', ['scripts/cluster/build.sh'], 55 * MIN);
    helm = (await sh('helm-install', 'bash', ['scripts/helm/install.sh'], 15 * MIN)).trim().split('\n').pop()!;
    // This process owns the cluster: if it dies without stopping it, the next run's `up` does.
    const owner: Record<string, string> = process.env.CHAT_CLUSTER_KEEP === '1' ? {} : { CHAT_CLUSTER_OWNER: String(process.pid) };
    await sh('cluster-up', 'bash', ['scripts/cluster/cluster.sh', 'up'], 8 * MIN, owner);
    const nodes = await kubectl('get', 'nodes', '-o', 'wide');
    log(nodes);
    expect(nodes).toMatch(/chat-node\s+Ready/);
    expect(await kubectl('version', '-o', 'json')).toMatch(/"gitVersion": "v1\.34/);
  });

  step('our images and the trial Kafka, FerretDB and SeaweedFS are built with podman and imported into containerd', 40 * MIN, async () => {
    const out = await sh('images-infra', 'bash', ['scripts/cluster/images.sh', 'infra'], 20 * MIN, { LOG_DIR: LOGS });
    infraImages = Object.fromEntries(out.split('\n').filter((l) => /^[A-Z0-9_]+_IMAGE=/.test(l)).map((l) => l.split('=') as [string, string]));
    await sh('images-build', 'bash', ['scripts/cluster/images.sh', 'build', TAG], 30 * MIN, { LOG_DIR: LOGS });
    const names = (await sh('images-list', 'bash', ['scripts/cluster/images.sh', 'list'], MIN)).split('\n').filter(Boolean);
    await sh('images-import', 'bash', ['scripts/cluster/images.sh', 'import', ...names.map((n) => `localhost/chat-${n}:${TAG}`), ...Object.values(infraImages)], 10 * MIN);
    const held = await sh('images-held', path.join(path.dirname(binDir()), '..', `containerd-${/CONTAINERD_VERSION=(\S+)/.exec(readFileSync(path.join(ROOT, 'scripts/cluster/versions.sh'), 'utf8'))![1]}`, 'bin', 'ctr'), ['--address', `${RUN}/containerd/containerd.sock`, '-n', 'k8s.io', 'images', 'ls', '-q'], MIN);
    for (const n of names) expect(held).toContain(`localhost/chat-${n}:${TAG}`);
  });

  step('trial install: in-cluster Kafka, FerretDB and SeaweedFS, volumes, Ingress by Traefik; every pod Ready', 20 * MIN, async () => {
    await kubectl('apply', '-f', path.join(ROOT, 'k8s', 'namespace.yaml'));
    const [kafkaRepo, kafkaTag] = infraImages.KAFKA_IMAGE!.split(/:(?=[^:]+$)/);
    const [mongoRepo, mongoTag] = infraImages.MONGO_IMAGE!.split(/:(?=[^:]+$)/);
    // The in-cluster object store's image is the chart's own name (chat-seaweedfs, under global.imageRegistry).
    const s3Tag = infraImages.S3_IMAGE!.split(/:(?=[^:]+$)/)[1]!;
    // k8s/values-cluster.yaml: FerretDB has users but no roles, so every service signs in as root.
    await sh('helm-install-trial', helm, [
      'upgrade', '--install', 'chat', 'helm', '-n', NS, ...commonValues(),
      '--set', `kafka.image.repository=${kafkaRepo}`, '--set', `kafka.image.tag=${kafkaTag}`,
      '--set', `mongodb.image.repository=${mongoRepo}`, '--set', `mongodb.image.tag=${mongoTag}`,
      '--set', `objectStorage.inCluster.image.tag=${s3Tag}`,
      '--wait', '--timeout', '15m',
    ], 17 * MIN);
    log(await allReady(NS, 3 * MIN));
    // First start: when the principals sidecar had each service's user and ACLs in place, and how
    // often each container restarted meanwhile (it should not: services wait for their principal).
    log(await kubectl('-n', NS, 'logs', 'chat-kafka-0', '-c', 'principals').catch((e) => String(e)));
    const restarts = JSON.parse(await kubectl('-n', NS, 'get', 'pods', '-o', 'json')).items.map((p: { metadata: { name: string }; status: { containerStatuses?: { name: string; restartCount: number }[] } }) =>
      `${p.metadata.name}: ${(p.status.containerStatuses ?? []).map((c) => `${c.name} ${c.restartCount}`).join(', ')}`);
    figures['trial install restarts'] = restarts;
    log(`restarts during the trial install:\n${restarts.join('\n')}`);
    log(await sh('helm-status', helm, ['status', 'chat', '-n', NS], MIN));
  });

  step('the protocol through the Ingress: two users, a direct message, a group, an image attachment', 5 * MIN, walkProtocol);

  step('helm test: the release answers', 6 * MIN, async () => {
    log(await sh('helm-test-trial', helm, ['test', 'chat', '-n', NS, '--logs', '--timeout', '5m'], 6 * MIN));
  }, { critical: false });

  step('the web client in Chromium through the Ingress (frontend/e2e/chat.e2e.ts)', 15 * MIN, async () => {
    // The browser suite's own chat walk, pointed at the Ingress: the web client from chat-web,
    // the API and the WebSocket from the gateways, all through Traefik.
    await sh('browser', 'npx', ['jest', '-c', 'frontend/e2e/jest.config.cjs', '--ci', 'frontend/e2e/chat.e2e.ts'], 14 * MIN, { CHAT_URL: BASE });
  }, { critical: false });

  /**
   * A bounded load through the Ingress while `fault` runs: rounds of ChatLoad (each 4 members,
   * 2 senders, 4 groups, 100 messages a sender), the fault starting once the first round has 30
   * sends acked, new rounds until the fault (and the recovery it waits for) is over. Each round
   * is checked through the protocol; the figures are summed (stall: the longest gap between acks).
   */
  async function underLoad(name: string, fault: () => Promise<void>): Promise<LoadReport> {
    const round = async () => {
      for (let attempt = 1; ; attempt++) {
        const load = new ChatLoad({ urls: () => [BASE], members: 4, senders: 2, conversations: 4, messagesPerSender: 100, intervalMs: 100, ackTimeoutMs: 5000, deadlineMs: 8 * MIN });
        try {
          await load.setup();
          return { load, running: load.run() };
        } catch (err) {
          load.close();
          // A round's setup (register, group:create) may meet a gateway going away; a client tries again.
          if (attempt >= 10) throw err;
          await sleep(2000);
        }
      }
    };
    const reports: LoadReport[] = [];
    let cur = await round();
    await cur.load.untilAcked(30);
    let faultDone = false;
    let faultError: unknown;
    const t0 = Date.now();
    const faulting = fault().then(
      () => void (faultDone = true),
      (err) => void ((faultDone = true), (faultError = err)),
    );
    for (let i = 0; i < 60; i++) {
      await cur.running;
      reports.push(await cur.load.verify());
      cur.load.close();
      if (faultDone) break;
      cur = await round();
    }
    await faulting;
    if (faultError) throw faultError;
    log(`${name}: fault and recovery took ${((Date.now() - t0) / 1000).toFixed(1)} s over ${reports.length} load rounds`);
    const sum = (k: keyof LoadReport) => reports.reduce((n, r) => n + (r[k] as number), 0);
    const report: LoadReport = {
      ...reports[0]!,
      sent: sum('sent'), acked: sum('acked'), lost: sum('lost'), duplicated: sum('duplicated'), retries: sum('retries'),
      retryCauses: reports.reduce((m, r) => { for (const [k, v] of Object.entries(r.retryCauses)) m[k] = (m[k] ?? 0) + v; return m; }, {} as Record<string, number>),
      stored: sum('stored'), seqContiguous: reports.every((r) => r.seqContiguous), socketsMissing: sum('socketsMissing'),
      steadySocketsMissingLive: sum('steadySocketsMissingLive'), caughtUp: sum('caughtUp'), duplicatePushes: sum('duplicatePushes'),
      repliesBroken: sum('repliesBroken'), reactionsLost: sum('reactionsLost'),
      longestGapMs: Math.max(...reports.map((r) => r.longestGapMs)), reconnects: sum('reconnects'),
    };
    figures[name] = { ...report, rounds: reports.length, faultAndRecoveryMs: Date.now() - t0 };
    log(`${name}: ${JSON.stringify(figures[name])}`);
    return report;
  }
  const deletePod = (component: string) => async () => {
    const [pod] = await podsOf(component);
    await kubectl('-n', NS, 'delete', 'pod', pod!, '--wait=false');
    await sleep(5000);
    await allReady(NS, 5 * MIN);
  };
  const expectClean = (r: LoadReport) => {
    expect(r.acked).toBe(r.sent);
    expect(r.lost).toBe(0);
    expect(r.duplicated).toBe(0);
    expect(r.seqContiguous).toBe(true);
    expect(r.socketsMissing).toBe(0);
  };

  step('a messaging pod deleted under load: nothing acked lost or doubled', 12 * MIN, async () => {
    expectClean(await underLoad('delete messaging pod', deletePod('messaging')));
  }, { critical: false });

  step('a gateway pod deleted under load: clients reconnect, nothing lost or doubled', 12 * MIN, async () => {
    const r = await underLoad('delete gateway pod', deletePod('gateway'));
    expectClean(r);
    expect(r.reconnects).toBeGreaterThan(0);
  }, { critical: false });

  step('helm upgrade to a new image tag under load: every service rolls, nothing lost or doubled', 25 * MIN, async () => {
    const names = (await sh('images-list', 'bash', ['scripts/cluster/images.sh', 'list'], MIN)).split('\n').filter(Boolean);
    for (const n of names) await sh('images-retag', 'podman', ['tag', `localhost/chat-${n}:${TAG}`, `localhost/chat-${n}:${TAG2}`], MIN, { CONTAINERS_CONF: path.join(ROOT, '.cache/podman/conf/containers.conf') });
    await sh('images-import', 'bash', ['scripts/cluster/images.sh', 'import', ...names.map((n) => `localhost/chat-${n}:${TAG2}`)], 10 * MIN);
    const r = await underLoad('helm upgrade (rolling update of every service)', async () => {
      await sh('helm-upgrade', helm, ['upgrade', 'chat', 'helm', '-n', NS, '--reuse-values', '--set', `global.imageTag=${TAG2}`, '--wait', '--timeout', '12m'], 13 * MIN);
      await allReady(NS, 5 * MIN);
    });
    expectClean(r);
    const images = await kubectl('-n', NS, 'get', 'pods', '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image}{"\\n"}{end}');
    for (const n of names) expect(images).toContain(`localhost/chat-${n}:${TAG2}`);
  }, { critical: false });

  step('production shape: external Kafka, MongoDB and object store on the host, secrets from existing Secrets', 20 * MIN, async () => {
    // The launcher's Kafka, FerretDB and SeaweedFS, listening on the bridge's address (pods reach the host there).
    // SeaweedFS takes its S3 port and the next 7.
    const ports = [29192, 29193, 27127, 28333].map((p) => String(p + (process.pid % 500)));
    const infraLog = path.join(LOGS, 'external-infra.log');
    external = spawn('node', ['scripts/infra/index.mjs', '--profile', 'cluster', '--host', BRIDGE_IP, '--kafka-port', ports[0]!, '--controller-port', ports[1]!, '--mongo-port', ports[2]!, '--s3-port', ports[3]!, '--data-dir', path.join('.data', `cluster-${process.pid}`), '--log-dir', path.join('.logs', 'cluster', 'external')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const env = new Promise<Record<string, string>>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        appendFileSync(infraLog, d);
        const names = ['KAFKA_BROKERS', 'MONGO_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];
        const found = Object.fromEntries(names.map((n) => [n, new RegExp(`^${n}=(\\S+)`, 'm').exec(out)?.[1]]));
        if (names.every((n) => found[n])) resolve(found as Record<string, string>);
      };
      external!.stdout!.on('data', onData);
      external!.stderr!.on('data', onData);
      external!.on('exit', (code) => reject(new Error(`the launcher exited (${code}):\n${out.slice(-2000)}`)));
      setTimeout(() => reject(new Error(`the launcher gave no KAFKA_BROKERS/MONGO_URL/S3_* in 5 min:\n${out.slice(-2000)}`)), 5 * MIN);
    });
    const { KAFKA_BROKERS, MONGO_URL, S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } = await env;
    log(`external Kafka ${KAFKA_BROKERS}, MongoDB ${MONGO_URL}, object store ${S3_ENDPOINT}`);
    await sh('helm-uninstall-trial', helm, ['uninstall', 'chat', '-n', NS, '--wait', '--timeout', '5m'], 6 * MIN);
    await kubectl('-n', NS, 'delete', 'pvc', '--all', '--wait=false');
    const jwt = Array.from({ length: 64 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
    await kubectl('-n', NS, 'create', 'secret', 'generic', 'chat-mongodb', `--from-literal=uri=${MONGO_URL}chat_prod`);
    await kubectl('-n', NS, 'create', 'secret', 'generic', 'chat-jwt', `--from-literal=jwt-secret=${jwt}`);
    await kubectl('-n', NS, 'create', 'secret', 'generic', 'chat-media', `--from-literal=media-url-secret=${jwt.split('').reverse().join('')}`);
    await kubectl('-n', NS, 'create', 'secret', 'generic', 'chat-s3', `--from-literal=access-key-id=${S3_ACCESS_KEY_ID}`, `--from-literal=secret-access-key=${S3_SECRET_ACCESS_KEY}`);
    const kafkaPort = KAFKA_BROKERS.split(':').pop()!;
    const s3Port = new URL(S3_ENDPOINT).port;
    const mongoPort = /:(\d+)\//.exec(MONGO_URL)![1]!;
    await sh('helm-install-production', helm, [
      'upgrade', '--install', 'chat', 'helm', '-n', NS, ...commonValues(),
      '--set', `kafka.brokers=${KAFKA_BROKERS}`, '--set', 'kafka.auth.enabled=false', '--set', `kafka.externalPorts[0]=${kafkaPort}`,
      '--set', 'mongodb.existingSecret=chat-mongodb', '--set', `mongodb.externalPorts[0]=${mongoPort}`,
      '--set', 'jwt.existingSecret=chat-jwt', '--set', `networkPolicy.externalCidrs[0]=${BRIDGE_IP}/32`,
      '--set', `objectStorage.endpoint=${S3_ENDPOINT}`, '--set', 'objectStorage.existingSecret=chat-s3', '--set', `objectStorage.externalPorts[0]=${s3Port}`,
      '--set', 'objectStorage.bucket=chat-prod', '--set', 'media.existingSecret=chat-media',
      '--wait', '--timeout', '12m',
    ], 13 * MIN);
    log(await allReady(NS, 3 * MIN));
    const objects = await kubectl('-n', NS, 'get', 'statefulsets,secrets', '-o', 'name');
    expect(objects).not.toMatch(/statefulset/);
    // The Secrets are the operator's: the release neither made nor owns them.
    for (const name of ['chat-jwt', 'chat-mongodb', 'chat-media', 'chat-s3']) {
      expect(await kubectl('-n', NS, 'get', 'secret', name, '-o', 'jsonpath={.metadata.labels}')).not.toMatch(/Helm/);
    }
    await walkProtocol();
    log(await sh('helm-test-production', helm, ['test', 'chat', '-n', NS, '--logs', '--timeout', '5m'], 6 * MIN));
  });
});

