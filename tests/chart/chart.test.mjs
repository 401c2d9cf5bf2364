// Chart tests: helm lint, helm template with several value sets, every rendered object
// validated offline against the Kubernetes schemas, and the properties the platform relies
// on asserted on the rendered manifests. Run: npm run test:chart  (node --test)
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { validateObject } from './k8s-validate.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHART = join(ROOT, 'helm');
const SERVICES = ['gateway', 'auth', 'users', 'messaging', 'presence', 'media'];
const RELEASE = 'chat';
const NS = 'chat';
// The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and a current one.
const KUBE_VERSIONS = ['1.27.0', '1.33.0'];

let HELM;
const tmp = mkdtempSync(join(tmpdir(), 'chart-test-'));

function helm(args) {
  return execFileSync(HELM, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function valuesFile(name, values) {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(values)); // JSON is YAML
  return file;
}

// Values as an object, or { files: [...] } for values files of the repository.
function valuesArgs(values, name) {
  if (values.files) return values.files.flatMap((f) => ['-f', join(ROOT, f)]);
  return Object.keys(values).length ? ['-f', valuesFile(name, values)] : [];
}

function render(values = {}, extra = []) {
  const args = ['template', RELEASE, CHART, '--namespace', NS, ...extra, ...valuesArgs(values, `v${Math.random().toString(36).slice(2)}`)];
  const out = helm(args);
  return parseAllDocuments(out)
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS();
    })
    .filter(Boolean);
}

const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const ofKind = (objs, kind) => objs.filter((o) => o.kind === kind);
const fullname = (component) => `${RELEASE}-${component}`;
const envOf = (container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));

const EXTERNAL = {
  kafka: { brokers: 'kafka-0.example.internal:9092,kafka-1.example.internal:9092' },
  mongodb: { uri: 'mongodb+srv://chat:secret@db.example.internal/?retryWrites=true' },
  objectStorage: { endpoint: 'http://objects.example.internal:8333', externalPorts: [8333] },
};
const EXTERNAL_SECRET = {
  kafka: { brokers: 'kafka.example.internal:9094' },
  mongodb: { existingSecret: 'chat-mongo-credentials', existingSecretKey: 'connection-string' },
  jwt: { existingSecret: 'chat-jwt', existingSecretKey: 'key' },
  networkPolicy: { externalCidrs: ['10.20.0.0/16'] },
  objectStorage: { endpoint: 'https://objects.example.internal', bucket: 'chat-files', region: 'eu-west-1', existingSecret: 'chat-s3' },
  media: { existingSecret: 'chat-media', existingSecretKey: 'url-key' },
};
const GATEWAY_API = {
  ingress: { enabled: false },
  httpRoute: { enabled: true, hostnames: ['chat.example.com'], parentRefs: [{ name: 'edge', namespace: 'gateway-system', sectionName: 'https' }] },
};

const SCENARIOS = {
  default: {},
  'external Kafka and MongoDB': EXTERNAL,
  'external Kafka, MongoDB from an existing Secret, JWT from an existing Secret': EXTERNAL_SECRET,
  'Gateway API HTTPRoute instead of Ingress': GATEWAY_API,
  'local kind cluster (k8s/values-local.yaml, as skaffold run)': { files: ['k8s/values-local.yaml'] },
  'custom registry, tag, replicas and resources': {
    global: { imageRegistry: 'registry.example.com/chat/', imageTag: '1.2.3' },
    services: { users: { replicas: 3, image: { repository: 'chat-users', tag: '1.2.4' }, resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } } } },
    networkPolicy: { metricsFrom: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } } },
  },
};

before(() => {
  // The project's own installer: a no-op when the pinned helm is already built.
  HELM = execFileSync('bash', [join(ROOT, 'scripts/helm/install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  assert.ok(existsSync(HELM), `helm at ${HELM}`);
});

describe('helm lint', () => {
  for (const [name, values] of Object.entries(SCENARIOS)) {
    test(`passes --strict with ${name} values`, () => {
      const args = ['lint', CHART, '--strict', '--namespace', NS, ...valuesArgs(values, `lint-${name.replace(/\W+/g, '-')}`)];
      const out = helm(args);
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe('values.schema.json', () => {
  const rejects = (values, pattern) => {
    assert.throws(() => render(values), (err) => pattern.test(String(err.stderr ?? err.message)));
  };
  test('rejects a JWT secret shorter than 32 characters', () => rejects({ jwt: { secret: 'short' } }, /jwt\/secret/));
  test('rejects a malformed broker list', () => rejects({ kafka: { brokers: 'no-port' } }, /kafka\/brokers/));
  test('rejects an unknown Kafka topic key in partitions', () => rejects({ kafka: { partitions: { nope: 3 } } }, /value must be one of/));
  test('rejects a service without resource limits', () =>
    rejects({ services: { extra: { image: { repository: 'x' }, port: 3200, readinessPath: '/health', livenessPath: '/health/live', resources: { requests: {}, limits: {} } } } }, /limits/));
  test('rejects turning privilege escalation on', () => rejects({ securityContext: { allowPrivilegeEscalation: true } }, /allowPrivilegeEscalation/));
  test('rejects a MongoDB URI that is not a mongodb:// URL', () => rejects({ mongodb: { uri: 'http://x' } }, /mongodb\/uri/));
});

for (const [scenario, values] of Object.entries(SCENARIOS)) {
  describe(`helm template: ${scenario}`, () => {
    let objs;
    before(() => {
      objs = render(values);
    });

    test('every rendered object is valid against the Kubernetes API schemas (no unknown fields)', async () => {
      assert.ok(objs.length > 10, `rendered ${objs.length} objects`);
      const problems = [];
      for (const o of objs) {
        const p = await validateObject(o);
        if (p.length) problems.push(`${o.kind}/${o.metadata?.name}: ${p.join('; ')}`);
      }
      assert.deepEqual(problems, []);
    });

    test('object names are unique per kind and valid DNS labels', () => {
      const seen = new Set();
      for (const o of objs) {
        const key = `${o.kind}/${o.metadata.name}`;
        assert.ok(!seen.has(key), `duplicate ${key}`);
        seen.add(key);
        assert.match(o.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.ok(o.metadata.name.length <= 63, key);
      }
    });

    test('every service has a Deployment with readiness, liveness and startup probes on its health endpoints', () => {
      for (const name of SERVICES) {
        const d = find(objs, 'Deployment', fullname(name));
        assert.ok(d, `Deployment ${name}`);
        const c = d.spec.template.spec.containers[0];
        const port = c.ports.find((p) => p.name === 'http').containerPort;
        const ready = name === 'gateway' ? '/api/v1/health' : '/health';
        assert.equal(c.readinessProbe.httpGet.path, ready, `${name} readiness`);
        assert.equal(c.livenessProbe.httpGet.path, `${ready}/live`, `${name} liveness`);
        assert.equal(c.startupProbe.httpGet.path, `${ready}/live`, `${name} startup`);
        for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) assert.equal(probe.httpGet.port, 'http');
        assert.equal(envOf(c).PORT.value, String(port));
        assert.equal(envOf(c).HOST.value, '0.0.0.0');
      }
    });

    test('every workload of ours has CPU and memory requests and limits', () => {
      for (const name of [...SERVICES, 'web']) {
        const c = find(objs, 'Deployment', fullname(name)).spec.template.spec.containers[0];
        for (const k of ['requests', 'limits']) {
          assert.ok(c.resources?.[k]?.cpu, `${name} ${k}.cpu`);
          assert.ok(c.resources?.[k]?.memory, `${name} ${k}.memory`);
        }
      }
      for (const s of ofKind(objs, 'StatefulSet')) {
        assert.ok(s.spec.template.spec.containers[0].resources.limits.memory, `${s.metadata.name} limits`);
      }
    });

    test('every pod runs as non-root, without privilege escalation, all capabilities dropped', () => {
      for (const w of [...ofKind(objs, 'Deployment'), ...ofKind(objs, 'StatefulSet')]) {
        const pod = w.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true, `${w.metadata.name} runAsNonRoot`);
        assert.ok(pod.securityContext.runAsUser > 0, `${w.metadata.name} runAsUser`);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        assert.equal(pod.automountServiceAccountToken, false, `${w.metadata.name} no API token`);
        for (const c of pod.containers) {
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${w.metadata.name} escalation`);
          assert.notEqual(c.securityContext.privileged, true);
          assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
        }
      }
    });

    test('services and the web client have a read-only root filesystem with an emptyDir at /tmp', () => {
      for (const name of [...SERVICES, 'web']) {
        const pod = find(objs, 'Deployment', fullname(name)).spec.template.spec;
        const c = pod.containers[0];
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${name} readOnlyRootFilesystem`);
        const mount = c.volumeMounts.find((m) => m.mountPath === '/tmp');
        assert.ok(mount, `${name} /tmp mount`);
        assert.ok(pod.volumes.find((v) => v.name === mount.name).emptyDir, `${name} /tmp is an emptyDir`);
      }
    });

    test('the ingress or HTTPRoute sends /api and /socket.io to the gateway and the rest to the web client', () => {
      const gw = fullname('gateway');
      const web = fullname('web');
      const ing = ofKind(objs, 'Ingress');
      const routes = ofKind(objs, 'HTTPRoute');
      assert.equal(ing.length + routes.length, 1, 'exactly one of Ingress / HTTPRoute');
      if (ing.length) {
        assert.equal(values.httpRoute?.enabled ?? false, false);
        const ann = ing[0].metadata.annotations;
        assert.ok(Number(ann['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600, 'long read timeout for WebSockets');
        assert.ok(Number(ann['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= 3600, 'long send timeout for WebSockets');
        for (const rule of ing[0].spec.rules) {
          const byPath = Object.fromEntries(rule.http.paths.map((p) => [p.path, p]));
          assert.equal(byPath['/api'].backend.service.name, gw);
          assert.equal(byPath['/socket.io'].backend.service.name, gw);
          assert.equal(byPath['/'].backend.service.name, web);
          for (const p of Object.values(byPath)) assert.equal(p.pathType, 'Prefix');
          for (const p of Object.values(byPath)) {
            const svc = find(objs, 'Service', p.backend.service.name);
            assert.ok(svc.spec.ports.some((sp) => sp.name === p.backend.service.port.name), `${p.path} port`);
          }
        }
      } else {
        const r = routes[0];
        assert.equal(r.apiVersion, 'gateway.networking.k8s.io/v1');
        assert.deepEqual(r.spec.parentRefs[0], { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'gateway-system', sectionName: 'https' });
        const byPath = Object.fromEntries(r.spec.rules.map((rule) => [rule.matches[0].path.value, rule]));
        assert.equal(byPath['/api'].backendRefs[0].name, gw);
        assert.equal(byPath['/socket.io'].backendRefs[0].name, gw);
        assert.equal(byPath['/socket.io'].timeouts.request, '0s', 'no timeout on long-lived sockets');
        assert.equal(byPath['/'].backendRefs[0].name, web);
        for (const rule of r.spec.rules) {
          assert.equal(rule.matches[0].path.type, 'PathPrefix');
          const svc = find(objs, 'Service', rule.backendRefs[0].name);
          assert.ok(svc.spec.ports.some((sp) => sp.port === rule.backendRefs[0].port), 'backend port exists');
        }
      }
    });

    test('every Service selects the pods of a workload and targets a named container port', () => {
      const workloads = [...ofKind(objs, 'Deployment'), ...ofKind(objs, 'StatefulSet')];
      for (const s of ofKind(objs, 'Service')) {
        const w = workloads.find((x) => Object.entries(s.spec.selector).every(([k, v]) => x.spec.template.metadata.labels[k] === v));
        assert.ok(w, `${s.metadata.name} selects a workload`);
        const names = w.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
        for (const p of s.spec.ports) assert.ok(names.includes(p.targetPort), `${s.metadata.name} ${p.targetPort}`);
      }
    });

    test('the gateway and messaging scale with an HPA, and every workload of ours has a PDB', () => {
      for (const name of ['gateway', 'messaging']) {
        const hpa = find(objs, 'HorizontalPodAutoscaler', fullname(name));
        if (values.files) {
          // the local cluster has no metrics-server: one replica, no HPA
          assert.equal(hpa, undefined);
          assert.equal(find(objs, 'Deployment', fullname(name)).spec.replicas, 1);
          continue;
        }
        assert.ok(hpa, `${name} HPA`);
        assert.equal(hpa.spec.scaleTargetRef.name, fullname(name));
        assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
        assert.equal(find(objs, 'Deployment', fullname(name)).spec.replicas, undefined, 'replicas left to the HPA');
      }
      for (const name of [...SERVICES, 'web']) {
        const pdb = find(objs, 'PodDisruptionBudget', fullname(name));
        assert.ok(pdb, `${name} PDB`);
        const labels = find(objs, 'Deployment', fullname(name)).spec.template.metadata.labels;
        assert.ok(Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => labels[k] === v), `${name} PDB selects its pods`);
      }
    });

    test('the JWT secret reaches exactly the gateway and auth; MONGO_URL comes from a Secret', () => {
      for (const name of SERVICES) {
        const env = envOf(find(objs, 'Deployment', fullname(name)).spec.template.spec.containers[0]);
        if (name === 'gateway' || name === 'auth') {
          const ref = env.JWT_SECRET.valueFrom.secretKeyRef;
          const expected = values.jwt?.existingSecret ? [values.jwt.existingSecret, values.jwt.existingSecretKey] : [fullname('jwt'), 'jwt-secret'];
          assert.deepEqual([ref.name, ref.key], expected);
          if (!values.jwt?.existingSecret) {
            const secret = find(objs, 'Secret', fullname('jwt'));
            assert.ok(Buffer.from(secret.data['jwt-secret'], 'base64').length >= 32, 'generated secret is long enough');
          }
        } else {
          assert.equal(env.JWT_SECRET, undefined, `${name} has no JWT secret`);
        }
        if (name !== 'gateway') {
          assert.equal(env.MONGO_URL.value, undefined, 'not inline');
          const ref = env.MONGO_URL.valueFrom.secretKeyRef;
          if (values.mongodb?.existingSecret) assert.deepEqual([ref.name, ref.key], [values.mongodb.existingSecret, values.mongodb.existingSecretKey]);
          else assert.ok(find(objs, 'Secret', ref.name).data[ref.key], 'secret key exists');
        }
        assert.equal(env.INSTANCE_ID.valueFrom.fieldRef.fieldPath, 'metadata.name');
        assert.match(env.KAFKA_PARTITIONS.value, /^(\w+=\d+)(,\w+=\d+)*$/);
      }
    });

    test('in-cluster Kafka and MongoDB are installed exactly when no external ones are given', () => {
      const kafka = find(objs, 'StatefulSet', fullname('kafka'));
      const mongo = find(objs, 'StatefulSet', fullname('mongodb'));
      const brokers = envOf(find(objs, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]).KAFKA_BROKERS.value;
      if (values.kafka?.brokers) {
        assert.equal(kafka, undefined);
        assert.equal(brokers, values.kafka.brokers);
      } else {
        assert.ok(kafka);
        assert.equal(brokers, `${fullname('kafka')}-0.${fullname('kafka')}-headless.${NS}.svc:9092`);
        const c = kafka.spec.template.spec.containers[0];
        assert.match(c.image, /^apache\/kafka:4\./, 'official Apache Kafka image');
        const env = envOf(c);
        assert.equal(env.KAFKA_PROCESS_ROLES.value, 'broker,controller', 'KRaft, single node');
        assert.equal(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR.value, '1');
        assert.equal(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR.value, '1');
        assert.ok(kafka.spec.volumeClaimTemplates[0].spec.resources.requests.storage, 'persistent volume');
      }
      if (values.mongodb?.uri || values.mongodb?.existingSecret) {
        assert.equal(mongo, undefined);
        if (values.mongodb.uri) {
          assert.equal(Buffer.from(find(objs, 'Secret', fullname('mongodb')).data.uri, 'base64').toString(), values.mongodb.uri);
        } else {
          assert.equal(find(objs, 'Secret', fullname('mongodb')), undefined, 'no secret made when one is given');
        }
      } else {
        assert.ok(mongo);
        assert.match(mongo.spec.template.spec.containers[0].image, /^mongo:/, 'official mongo image');
        assert.ok(mongo.spec.volumeClaimTemplates[0].spec.resources.requests.storage, 'persistent volume');
        const uri = Buffer.from(find(objs, 'Secret', fullname('mongodb')).data.uri, 'base64').toString();
        assert.match(uri, new RegExp(`^mongodb://root:[A-Za-z0-9]{32}@${fullname('mongodb')}-0\\.${fullname('mongodb')}-headless\\.${NS}\\.svc:27017/\\?authSource=admin$`));
      }
    });

    test('NetworkPolicies: deny by default, only the gateway and web client reachable from the ingress, services reach only Kafka, MongoDB and DNS (and media, alone, the object store; the gateway, media)', () => {
      const nps = ofKind(objs, 'NetworkPolicy');
      const deny = find(objs, 'NetworkPolicy', `${RELEASE}-default-deny`);
      assert.deepEqual(deny.spec.policyTypes, ['Ingress', 'Egress']);
      assert.equal(deny.spec.ingress, undefined);
      assert.equal(deny.spec.egress, undefined);
      const dns = find(objs, 'NetworkPolicy', `${RELEASE}-allow-dns`);
      assert.deepEqual(dns.spec.egress[0].ports.map((p) => p.port), [53, 53]);
      const ingressFrom = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: {} };
      // All ingress rules that admit traffic from outside the release.
      for (const np of nps) {
        const component = np.spec.podSelector.matchLabels['app.kubernetes.io/component'];
        for (const rule of np.spec.ingress ?? []) {
          for (const peer of rule.from) {
            if (peer.namespaceSelector && JSON.stringify(peer) === JSON.stringify(ingressFrom)) {
              assert.ok(['gateway', 'web'].includes(component), `only gateway and web admit the ingress controller, not ${component}`);
            }
          }
        }
      }
      for (const name of SERVICES) {
        const np = find(objs, 'NetworkPolicy', fullname(name));
        assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
        const targets = np.spec.egress.flatMap((r) => r.ports.map((p) => p.port));
        const store = values.objectStorage?.endpoint ? (values.objectStorage.externalPorts ?? [443]) : [8333];
        const allowed = new Set([9092, 27017, ...(name === 'media' ? store : []), ...(name === 'gateway' ? [3105] : [])]);
        for (const port of targets) assert.ok(allowed.has(port), `${name} egress only to Kafka/MongoDB, got ${port}`);
        assert.equal(targets.includes(27017), name !== 'gateway', `${name} reaches MongoDB iff it owns collections`);
        assert.equal(store.every((p) => targets.includes(p)), name === 'media', `${name} reaches the object store iff it is media`);
        if (name === 'media') {
          const from = np.spec.ingress.find((r) => r.ports[0].port === 3105).from[0].podSelector.matchExpressions[0].values;
          assert.deepEqual(from, ['gateway'], 'media takes connections from the gateway only');
        } else if (name !== 'gateway' && !values.networkPolicy?.metricsFrom) assert.deepEqual(np.spec.ingress, [], `${name} takes no connections`);
        if (values.networkPolicy?.externalCidrs) {
          for (const r of np.spec.egress.filter((x) => x.to?.some((t) => t.ipBlock))) assert.deepEqual(r.to.map((t) => t.ipBlock.cidr), values.networkPolicy.externalCidrs);
        }
      }
      const gw = find(objs, 'NetworkPolicy', fullname('gateway'));
      assert.deepEqual(gw.spec.ingress[0].from[0], ingressFrom);
      assert.deepEqual(gw.spec.ingress[0].ports, [{ protocol: 'TCP', port: 8080 }]);
      const kafka = find(objs, 'NetworkPolicy', fullname('kafka'));
      if (kafka) assert.deepEqual(kafka.spec.ingress[0].from[0].podSelector.matchExpressions[0].values.sort(), [...SERVICES, 'kafka'].sort());
    });
  });
}

describe('skaffold dev values (k8s/values-local.yaml + k8s/values-dev.yaml)', () => {
  const DEV = { files: ['k8s/values-local.yaml', 'k8s/values-dev.yaml'] };
  test('lint --strict passes and every object is valid', async () => {
    assert.match(helm(['lint', CHART, '--strict', ...valuesArgs(DEV)]), /0 chart\(s\) failed/);
    for (const o of render(DEV)) assert.deepEqual(await validateObject(o), [], `${o.kind}/${o.metadata.name}`);
  });
  test('only the root filesystem becomes writable (for webpack); pods stay non-root without escalation', () => {
    const objs = render(DEV);
    for (const name of SERVICES) {
      const pod = find(objs, 'Deployment', fullname(name)).spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.containers[0].securityContext.allowPrivilegeEscalation, false);
      assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, false);
      assert.equal(pod.containers[0].startupProbe.failureThreshold, 120, 'time for the first webpack build');
    }
  });
});

describe('specific values', () => {
  test('global registry and tag, and a per-service tag, make the image references', () => {
    const objs = render(SCENARIOS['custom registry, tag, replicas and resources']);
    const image = (n) => find(objs, 'Deployment', fullname(n)).spec.template.spec.containers[0].image;
    assert.equal(image('gateway'), 'registry.example.com/chat/chat-gateway:1.2.3');
    assert.equal(image('users'), 'registry.example.com/chat/chat-users:1.2.4');
    assert.equal(image('web'), 'registry.example.com/chat/chat-web:1.2.3');
    assert.equal(find(objs, 'Deployment', fullname('users')).spec.replicas, 3);
    assert.equal(find(objs, 'Deployment', fullname('users')).spec.template.spec.containers[0].resources.limits.memory, '1Gi');
  });

  test('a digest as the tag renders repository@sha256:...', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objs = render({ services: { auth: { image: { repository: 'chat-auth', tag: digest } } } });
    assert.equal(find(objs, 'Deployment', fullname('auth')).spec.template.spec.containers[0].image, `chat-auth@${digest}`);
  });

  test('CORS origins default to the public hosts and can be set', () => {
    const cors = (objs) => envOf(find(objs, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]).CORS_ORIGINS.value;
    assert.equal(cors(render()), 'https://chat.local');
    assert.equal(cors(render({ files: ['k8s/values-local.yaml'] })), 'http://localhost');
    assert.equal(cors(render(GATEWAY_API)), 'https://chat.example.com');
    assert.equal(cors(render({ config: { corsOrigins: ['https://a.example', 'https://b.example'] } })), 'https://a.example,https://b.example');
  });

  test('finding 3: the gateway trusts no proxy unless told, and the ingress controller\'s network when told', () => {
    const gatewayEnv = (objs) => envOf(find(objs, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]);
    assert.equal(gatewayEnv(render()).TRUSTED_PROXIES.value, '');
    assert.equal(gatewayEnv(render({ files: ['k8s/values-local.yaml'] })).TRUSTED_PROXIES.value, '10.244.0.0/16');
    assert.equal(gatewayEnv(render({ config: { trustedProxies: ['10.42.0.0/16', 'fd00::/8'] } })).TRUSTED_PROXIES.value, '10.42.0.0/16,fd00::/8');
    assert.equal(envOf(find(render(), 'Deployment', fullname('messaging')).spec.template.spec.containers[0]).TRUSTED_PROXIES, undefined);
    assert.throws(() => render({ config: { trustedProxies: ['loopback'] } }), (err) => /trustedProxies/.test(String(err.stderr ?? err.message)));
  });

  test('finding 8: API docs are off unless asked for, and no Ingress or HTTPRoute path reaches /metrics', () => {
    const gatewayEnv = (objs) => envOf(find(objs, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]);
    assert.equal(gatewayEnv(render()).API_DOCS.value, 'off');
    assert.equal(gatewayEnv(render({ config: { apiDocs: true } })).API_DOCS.value, 'on');
    const ingressPaths = render().filter((o) => o.kind === 'Ingress').flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths));
    const toGateway = ingressPaths.filter((p) => p.backend.service.name === fullname('gateway')).map((p) => p.path);
    assert.deepEqual(toGateway.sort(), ['/api', '/socket.io']);
    const route = render(GATEWAY_API).find((o) => o.kind === 'HTTPRoute');
    const routed = route.spec.rules.filter((r) => r.backendRefs.some((b) => b.name === fullname('gateway'))).flatMap((r) => r.matches.map((m) => m.path.value));
    assert.ok(routed.length > 0);
    for (const p of routed) assert.ok(!'/metrics'.startsWith(p) || p === '/', `HTTPRoute path ${p} reaches /metrics`);
    assert.ok(!routed.includes('/'), 'the gateway is not routed at /');
  });

  test('finding 8: every service signs in to Kafka as its own principal, with a password of its own', () => {
    const objs = render();
    const secret = find(objs, 'Secret', fullname('kafka-users'));
    assert.deepEqual(Object.keys(secret.data).sort(), [...SERVICES].sort());
    const passwords = new Set(Object.values(secret.data));
    assert.equal(passwords.size, SERVICES.length, 'one password per service');
    for (const name of SERVICES) {
      const env = envOf(find(objs, 'Deployment', fullname(name)).spec.template.spec.containers[0]);
      assert.equal(env.KAFKA_SASL_MECHANISM.value, 'scram-sha-512');
      assert.equal(env.KAFKA_USERNAME.value, name);
      assert.deepEqual(env.KAFKA_PASSWORD.valueFrom.secretKeyRef, { name: fullname('kafka-users'), key: name });
    }
    // An operator's own Secret and principal names; and auth off for an open external broker.
    const own = render({ kafka: { auth: { existingSecret: 'kafka-creds', usernamePrefix: 'prod-' } } });
    assert.equal(find(own, 'Secret', fullname('kafka-users')), undefined);
    const gw = envOf(find(own, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]);
    assert.equal(gw.KAFKA_USERNAME.value, 'prod-gateway');
    assert.equal(gw.KAFKA_PASSWORD.valueFrom.secretKeyRef.name, 'kafka-creds');
    const open = render({ ...EXTERNAL, kafka: { ...EXTERNAL.kafka, auth: { enabled: false } } });
    assert.equal(envOf(find(open, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]).KAFKA_SASL_MECHANISM, undefined);
  });

  test('finding 8: the in-cluster broker demands SCRAM, authorizes by ACL, and grants each service only its topics', () => {
    const objs = render({ config: { kafkaNamespace: 'acme' } });
    const sts = find(objs, 'StatefulSet', fullname('kafka'));
    const env = envOf(sts.spec.template.spec.containers[0]);
    assert.match(env.KAFKA_LISTENERS.value, /^SASL_PLAINTEXT:\/\/:9092,LOCAL:\/\/127\.0\.0\.1:9094,CONTROLLER:\/\/127\.0\.0\.1:9093$/);
    assert.equal(env.KAFKA_AUTHORIZER_CLASS_NAME.value, 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    assert.equal(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND.value, 'false');
    assert.equal(env.KAFKA_SUPER_USERS.value, 'User:ANONYMOUS', 'only the loopback listeners are anonymous');
    const headless = find(objs, 'Service', `${fullname('kafka')}-headless`);
    assert.deepEqual(headless.spec.ports.map((p) => p.port), [9092], 'only the SASL listener is reachable from other pods');
    const script = find(objs, 'ConfigMap', `${fullname('kafka')}-principals`).data['principals.sh'];
    const access = JSON.parse(readFileSync(join(CHART, 'files/kafka-access.json'), 'utf8'));
    for (const name of SERVICES) {
      const lines = script.split('\n').filter((l) => l.includes(`User:${name}"`));
      const topics = (op) => lines.filter((l) => l.includes(`--operation ${op} --topic`)).flatMap((l) => [...l.matchAll(/--topic (\S+)/g)].map((m) => m[1]));
      assert.deepEqual(topics('Write'), access[name].produce.map((t) => `acme.${t}`), `${name} writes`);
      assert.deepEqual(topics('Read'), access[name].consume.map((t) => `acme.${t}`), `${name} reads`);
      assert.ok(lines.some((l) => l.endsWith(`--operation Read --resource-pattern-type prefixed --group acme.${name}`)), `${name} group`);
      assert.match(script, new RegExp(`--entity-name "${name}" --add-config "SCRAM-SHA-512=\\[iterations=8192,password=\\$\\{KAFKA_PASSWORD_${name.toUpperCase()}\\}\\]"`));
    }
    // Only auth may write session events: no other service could forge a logout.
    assert.deepEqual(SERVICES.filter((n) => access[n].produce.includes('chat.session.events.v1')), ['auth']);
    const principals = sts.spec.template.spec.containers.find((c) => c.name === 'principals');
    assert.deepEqual(Object.keys(envOf(principals)).sort(), SERVICES.map((n) => `KAFKA_PASSWORD_${n.toUpperCase()}`).sort());
    // External brokers: no broker, no principals script; the services still sign in.
    const external = render(EXTERNAL);
    assert.equal(find(external, 'ConfigMap', `${fullname('kafka')}-principals`), undefined);
    assert.equal(envOf(find(external, 'Deployment', fullname('users')).spec.template.spec.containers[0]).KAFKA_USERNAME.value, 'users');
  });

  test('first start: each service\'s ACLs are made before its user (never half its grants), the shared grant in one JVM, tools tuned to start fast', () => {
    const script = find(render({}), 'ConfigMap', `${fullname('kafka')}-principals`).data['principals.sh'];
    const lines = script.split('\n');
    const shared = lines.filter((l) => l.includes('--operation Describe --operation Create --resource-pattern-type prefixed --topic chat.'));
    assert.equal(shared.length, 1);
    for (const name of SERVICES) assert.ok(shared[0].includes(`--allow-principal "User:${name}"`), `${name} in the shared grant`);
    for (const name of SERVICES) {
      const user = lines.findIndex((l) => l.includes(`--entity-name "${name}"`));
      const acls = lines.map((l, i) => (l.includes('kafka-acls.sh') && l.includes(`User:${name}"`) ? i : -1)).filter((i) => i >= 0);
      assert.equal(acls.length, 4, `${name}: the shared grant, Write, Read and its group`);
      assert.ok(acls.every((i) => i < user), `${name}: every ACL before the user`);
    }
    // 1 shared + 3 ACLs and 1 user per service: 25 JVM starts for six services (was 30).
    assert.equal(lines.filter((l) => /kafka-(acls|configs)\.sh/.test(l)).length, 1 + 4 * SERVICES.length);
    assert.match(script, /KAFKA_JVM_PERFORMANCE_OPTS="-XX:TieredStopAtLevel=1 -XX:\+UseSerialGC/);
  });

  test('cluster: the SASL broker gets KAFKA_OPTS naming a JAAS file mounted in its pod (apache/kafka refuses SASL without it)', () => {
    const sts = find(render(), 'StatefulSet', fullname('kafka'));
    const kafka = sts.spec.template.spec.containers[0];
    const opts = envOf(kafka).KAFKA_OPTS?.value ?? '';
    const file = /-Djava\.security\.auth\.login\.config=(\S+)/.exec(opts)?.[1];
    assert.ok(file, `KAFKA_OPTS names a JAAS file: ${opts}`);
    const mount = kafka.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${file} lies on a volume of the kafka container`);
    const volume = sts.spec.template.spec.volumes.find((v) => v.name === mount.name);
    const cm = find(render(), 'ConfigMap', volume.configMap.name);
    assert.match(cm.data[file.slice(mount.mountPath.length + 1)], /KafkaServer \{[^}]*ScramLoginModule required;/);
    // Without authentication there are no SASL listeners and nothing to name.
    const plain = find(render({ kafka: { auth: { enabled: false } } }), 'StatefulSet', fullname('kafka'));
    assert.equal(envOf(plain.spec.template.spec.containers[0]).KAFKA_OPTS, undefined);
  });

  test('helm test: a hook pod asks the gateway and the web client, and only it may reach them for that', () => {
    const objs = render();
    const pod = find(objs, 'Pod', fullname('test'));
    assert.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
    assert.equal(pod.spec.restartPolicy, 'Never');
    const c = pod.spec.containers[0];
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    const env = envOf(c);
    assert.equal(env.GATEWAY.value, `http://${fullname('gateway')}:8080`);
    assert.equal(env.WEB.value, `http://${fullname('web')}:8080`);
    const egress = find(objs, 'NetworkPolicy', fullname('test'));
    assert.deepEqual(egress.spec.podSelector.matchLabels['app.kubernetes.io/component'], 'test');
    assert.deepEqual(egress.spec.egress[0].to[0].podSelector.matchExpressions[0].values, ['gateway', 'web']);
    for (const name of ['gateway', 'web']) {
      const np = find(objs, 'NetworkPolicy', fullname(name));
      assert.ok(np.spec.ingress[0].from.some((f) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'test'), `${name} admits the test pod`);
    }
    const off = render({ tests: { enabled: false } });
    assert.equal(find(off, 'Pod', fullname('test')), undefined);
    assert.equal(find(off, 'NetworkPolicy', fullname('test')), undefined);
  });

  test('a ServiceMonitor is optional and scrapes /metrics of every enabled service', () => {
    assert.equal(ofKind(render(), 'ServiceMonitor').length, 0);
    const [sm] = ofKind(render({ metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } }, services: { presence: { enabled: false } } }), 'ServiceMonitor');
    assert.equal(sm.metadata.labels.release, 'prom');
    assert.deepEqual(sm.spec.selector.matchExpressions[0].values, SERVICES.filter((n) => n !== 'presence').sort());
    assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
  });

  test('finding 8: each service may have a MongoDB user of its own, limited to the collections it declares', () => {
    const access = JSON.parse(readFileSync(join(CHART, 'files/mongodb-access.json'), 'utf8'));
    const declared = (service) => {
      const found = new Set();
      const walk = (dir) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/collection: '([a-z_]+)'/g)) found.add(m[1]);
        }
      };
      walk(join(ROOT, 'services', service, 'src'));
      return [...found].sort();
    };
    const withMongo = SERVICES.filter((n) => n !== 'gateway');
    for (const name of withMongo) assert.deepEqual(access[name], declared(name), `${name}'s collections`);
    // No collection is granted to two services.
    const all = withMongo.flatMap((n) => access[n]);
    assert.equal(new Set(all).size, all.length);
    const script = readFileSync(join(CHART, 'files/mongodb-users.js'), 'utf8');
    assert.match(script, /MONGO_PASSWORD_\$\{service\.toUpperCase\(\)\}/);
    // With serviceSecret, each service reads its own URI; without, the shared one.
    const objs = render({ ...EXTERNAL_SECRET, mongodb: { ...EXTERNAL_SECRET.mongodb, serviceSecret: 'chat-mongo-users' } });
    for (const name of withMongo) {
      assert.deepEqual(envOf(find(objs, 'Deployment', fullname(name)).spec.template.spec.containers[0]).MONGO_URL.valueFrom.secretKeyRef, { name: 'chat-mongo-users', key: name });
    }
    // The in-cluster MongoDB: each service its own user and URI, made by the pod's `users` sidecar.
    const trial = render();
    for (const name of withMongo) {
      assert.deepEqual(envOf(find(trial, 'Deployment', fullname(name)).spec.template.spec.containers[0]).MONGO_URL.valueFrom.secretKeyRef, { name: fullname('mongodb'), key: `uri-${name}` });
      const uri = Buffer.from(find(trial, 'Secret', fullname('mongodb')).data[`uri-${name}`], 'base64').toString();
      assert.match(uri, new RegExp(`^mongodb://${name}:[^@]+@chat-mongodb-0\\.chat-mongodb-headless\\.chat\\.svc:27017/\\?authSource=chat$`));
    }
    const sidecar = find(trial, 'StatefulSet', fullname('mongodb')).spec.template.spec.containers.find((c) => c.name === 'users');
    assert.match(sidecar.command.join(' '), /mongosh [\s\S]*--file \/opt\/chat\/mongodb-users\.js/);
    assert.deepEqual(
      Object.keys(envOf(sidecar)).filter((k) => k.startsWith('MONGO_PASSWORD_')).sort(),
      withMongo.map((n) => `MONGO_PASSWORD_${n.toUpperCase()}`).sort(),
    );
    const files = find(trial, 'ConfigMap', `${fullname('mongodb')}-users`).data;
    assert.deepEqual(JSON.parse(files['mongodb-access.json']), access);
    // Turned off, or with an external MongoDB: the one shared URI.
    assert.equal(envOf(find(render({ mongodb: { perServiceUsers: false } }), 'Deployment', fullname('users')).spec.template.spec.containers[0]).MONGO_URL.valueFrom.secretKeyRef.key, 'uri');
    assert.equal(envOf(find(render(EXTERNAL), 'Deployment', fullname('users')).spec.template.spec.containers[0]).MONGO_URL.valueFrom.secretKeyRef.key, 'uri');
  });

  test('files: by default media stores in an in-cluster SeaweedFS with the access key the chart generates (also in weed\'s identities)', () => {
    const objs = render({});
    const media = envOf(find(objs, 'Deployment', fullname('media')).spec.template.spec.containers[0]);
    assert.equal(media.S3_ENDPOINT.value, `http://${fullname('seaweedfs')}:8333`);
    assert.equal(media.S3_ACCESS_KEY_ID.valueFrom.secretKeyRef.name, fullname('seaweedfs'));
    assert.equal(media.MEDIA_URL_SECRET.valueFrom.secretKeyRef.name, fullname('media-url'));
    const secret = find(objs, 'Secret', fullname('seaweedfs'));
    const identities = JSON.parse(Buffer.from(secret.data['s3.json'], 'base64').toString());
    assert.equal(identities.identities[0].credentials[0].accessKey, Buffer.from(secret.data['access-key-id'], 'base64').toString());
    const weed = find(objs, 'StatefulSet', fullname('seaweedfs')).spec.template.spec;
    assert.ok(weed.containers[0].args.includes('-s3.config=/etc/seaweedfs/s3.json'));
    const gateway = envOf(find(objs, 'Deployment', fullname('gateway')).spec.template.spec.containers[0]);
    assert.equal(gateway.MEDIA_URL.value, `http://${fullname('media')}:3105`);
    assert.equal(gateway.MEDIA_URL_SECRET.valueFrom.secretKeyRef.name, fullname('media-url'));
    assert.ok(envOf(find(objs, 'Deployment', fullname('messaging')).spec.template.spec.containers[0]).MEDIA_URL_SECRET);
    assert.equal(find(objs, 'Ingress', RELEASE)?.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '26m');
  });

  test('cluster: k8s/values-cluster.yaml runs the in-cluster SeaweedFS from the image images.sh infra builds, never pulled, on the `local` StorageClass', () => {
    const objs = render({ files: ['k8s/values-local.yaml', 'k8s/values-cluster.yaml'] });
    const weed = find(objs, 'StatefulSet', fullname('seaweedfs'));
    const c = weed.spec.template.spec.containers[0];
    // The tag is the weed build's (scripts/infra/seaweedfs.mjs), the one images.sh infra tags.
    const version = /SEAWEEDFS_VERSION = '.*-([0-9a-f]{12})'/.exec(readFileSync(join(ROOT, 'scripts/infra/seaweedfs.mjs'), 'utf8'))[1];
    assert.equal(c.image, `chat-seaweedfs:${version}`);
    assert.equal(c.imagePullPolicy, 'Never');
    assert.equal(weed.spec.volumeClaimTemplates[0].spec.storageClassName, 'local');
    assert.ok(c.resources.limits.memory && c.resources.limits.cpu && c.resources.requests.memory);
    assert.match(readFileSync(join(ROOT, 'scripts/cluster/images.sh'), 'utf8'), /chat-seaweedfs:\$wver/);
  });

  test('files: an external bucket takes endpoint, bucket, region and the credentials from a Secret; no SeaweedFS is rendered', () => {
    const objs = render(EXTERNAL_SECRET);
    assert.equal(find(objs, 'StatefulSet', fullname('seaweedfs')), undefined);
    const media = envOf(find(objs, 'Deployment', fullname('media')).spec.template.spec.containers[0]);
    assert.equal(media.S3_ENDPOINT.value, 'https://objects.example.internal');
    assert.equal(media.S3_BUCKET.value, 'chat-files');
    assert.equal(media.S3_REGION.value, 'eu-west-1');
    assert.deepEqual(media.S3_SECRET_ACCESS_KEY.valueFrom.secretKeyRef, { name: 'chat-s3', key: 'secret-access-key' });
    assert.deepEqual(media.MEDIA_URL_SECRET.valueFrom.secretKeyRef, { name: 'chat-media', key: 'url-key' });
    // Without a Secret, the SDK's default chain (a workload identity) is used: no key is set.
    assert.equal(envOf(find(render(EXTERNAL), 'Deployment', fullname('media')).spec.template.spec.containers[0]).S3_ACCESS_KEY_ID, undefined);
  });

  test('a given JWT secret is used as is', () => {
    const secret = 'x'.repeat(40);
    const objs = render({ jwt: { secret } });
    assert.equal(Buffer.from(find(objs, 'Secret', fullname('jwt')).data['jwt-secret'], 'base64').toString(), secret);
  });

  test('the JWT secret is looked up from the cluster so upgrades keep it', () => {
    // helm template cannot reach a cluster; the template itself must use lookup.
    const tpl = execFileSync('cat', [join(CHART, 'templates/_helpers.tpl')], { encoding: 'utf8' });
    assert.match(tpl, /lookup "v1" "Secret" \.root\.Release\.Namespace \.name/);
  });

  test('a new service is one values entry: it gets a Deployment, Service, PDB and NetworkPolicy', () => {
    const objs = render({
      services: {
        search: {
          image: { repository: 'chat-search' }, port: 3105, replicas: 1, readinessPath: '/health', livenessPath: '/health/live', mongodb: true,
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        },
      },
    });
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) assert.ok(find(objs, kind, fullname('search')), kind);
    assert.ok(find(objs, 'NetworkPolicy', fullname('mongodb')).spec.ingress[0].from[0].podSelector.matchExpressions[0].values.includes('search'));
  });

  test('a PDB can be turned off and autoscaling on per service', () => {
    const objs = render({ services: { gateway: { pdb: { enabled: false } }, users: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 3, targetCPUUtilizationPercentage: 60 } } } });
    assert.equal(find(objs, 'PodDisruptionBudget', fullname('gateway')), undefined);
    assert.equal(find(objs, 'HorizontalPodAutoscaler', fullname('users')).spec.maxReplicas, 3);
  });

  test('a disabled service renders nothing', () => {
    const objs = render({ services: { presence: { enabled: false } } });
    assert.equal(objs.filter((o) => o.metadata.name === fullname('presence')).length, 0);
  });

  test('KAFKA_PARTITIONS carries the partition counts from values', () => {
    const objs = render({ kafka: { partitions: { messagingCommands: 32, deliveries: 12 } } });
    const env = envOf(find(objs, 'Deployment', fullname('messaging')).spec.template.spec.containers[0]);
    const parts = Object.fromEntries(env.KAFKA_PARTITIONS.value.split(',').map((p) => p.split('=')));
    assert.equal(parts.messagingCommands, '32');
    assert.equal(parts.deliveries, '12');
  });

  for (const kube of KUBE_VERSIONS) {
    test(`renders for Kubernetes ${kube}`, () => {
      const objs = render({}, ['--kube-version', kube]);
      assert.ok(find(objs, 'HorizontalPodAutoscaler', fullname('gateway')));
    });
  }

  test('older Kubernetes than the chart supports is refused', () => {
    assert.throws(() => render({}, ['--kube-version', '1.25.0']), /kubeVersion/);
  });
});

describe('skaffold.yaml', () => {
  const sk = parseYaml(readFileSync(join(ROOT, 'skaffold.yaml'), 'utf8'));
  const chartValues = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
  const stages = (file) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^FROM \S+ AS (\w+)/gm)].map((m) => m[1]);
  const configs = { default: sk, ...Object.fromEntries(sk.profiles.map((p) => [`profile ${p.name}`, p])) };

  for (const [name, cfg] of Object.entries(configs)) {
    test(`${name}: one artifact per image, each from an existing Dockerfile stage`, () => {
      const images = cfg.build.artifacts.map((a) => a.image).sort();
      assert.deepEqual(images, [...SERVICES.map((s) => `chat-${s}`), 'chat-web'].sort());
      for (const a of cfg.build.artifacts) {
        assert.equal(a.context, '.', 'built from the repository root');
        if (a.custom) {
          // podman (no Docker): the build script takes the Dockerfile and arguments from the chart's services map.
          assert.equal(a.custom.buildCommand, 'bash scripts/cluster/skaffold-build.sh');
          assert.ok(existsSync(join(ROOT, a.custom.dependencies.dockerfile.path)), a.custom.dependencies.dockerfile.path);
          continue;
        }
        assert.ok(existsSync(join(ROOT, a.docker.dockerfile)), a.docker.dockerfile);
        assert.ok(stages(a.docker.dockerfile).includes(a.docker.target), `${a.docker.dockerfile} has stage ${a.docker.target}`);
      }
    });

    test(`${name}: every service image comes from the one services/Dockerfile with its name and port`, () => {
      for (const a of cfg.build.artifacts.filter((x) => x.image !== 'chat-web' && !x.custom)) {
        const service = a.image.replace('chat-', '');
        assert.equal(a.docker.dockerfile, 'services/Dockerfile');
        assert.equal(a.docker.buildArgs?.SERVICE, service);
        assert.equal(a.docker.buildArgs?.PORT, String(chartValues.services[service].port), `${service}'s port matches the chart's`);
      }
    });

    test(`${name}: the helm release sets every image's repository and tag to the built one, with values files that exist`, () => {
      const rel = cfg.deploy.helm.releases[0];
      assert.equal(rel.chartPath, 'helm');
      for (const f of rel.valuesFiles) assert.ok(existsSync(join(ROOT, f)), f);
      const tpl = rel.setValueTemplates;
      for (const a of cfg.build.artifacts) {
        const key = a.image === 'chat-web' ? 'web' : `services.${a.image.replace('chat-', '')}`;
        const id = a.image.replace(/-/g, '_');
        assert.equal(tpl[`${key}.image.repository`], `{{.IMAGE_REPO_${id}}}`);
        assert.equal(tpl[`${key}.image.tag`], `{{.IMAGE_TAG_${id}}}`);
        const path = key.split('.').reduce((o, k) => o?.[k], chartValues);
        assert.ok(path?.image, `values.yaml has ${key}.image`);
      }
    });
  }

  test('the dev profile runs the dev stage and syncs TypeScript sources into /src', () => {
    const dev = sk.profiles.find((p) => p.name === 'dev');
    assert.deepEqual(dev.activation, [{ command: 'dev' }]);
    for (const a of dev.build.artifacts.filter((x) => x.image !== 'chat-web')) {
      assert.equal(a.docker.target, 'dev');
      const srcs = a.sync.manual.map((m) => m.src);
      assert.ok(srcs.includes(`services/${a.image.replace('chat-', '')}/src/**/*.ts`));
      assert.ok(srcs.includes('libs/**/*.ts'));
      for (const m of a.sync.manual) assert.equal(m.dest, '/src', 'the build stage\'s WORKDIR');
    }
  });
});
