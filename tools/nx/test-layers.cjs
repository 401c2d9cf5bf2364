// Nx plugin: one target per test layer, inferred from the files a project holds,
// so `nx affected -t test` / `-t integration` run only what a change can break and
// `npm test` (scripts/test.mjs) runs every layer through Nx.
//
//   test         src/**/*.spec.ts      unit tests (Jest + SWC, jest.unit.config.cjs); cached
//   integration  test/**/*.int.ts      against the real Kafka and FerretDB the harness passes
//                                      in KAFKA_BROKERS / MONGO_URL (jest.integration.config.cjs)
//   faults       tests/faults, tests/abuse (the `tests` project): kills, outages, hostile input
//   chart        tests/chart (the `tests` project): Helm lint, render, schema checks
//   cluster      tests/cluster (the `tests` project): the chart on a real single-node Kubernetes
//   e2e          e2e/**/*.e2e.ts       browser tests against CHAT_URL (frontend/e2e)
//
// Every target writes its results as JSON to dist/test-reports/<target>/<project>.json,
// which is what the runner counts (never the console output). The Angular app keeps
// its own Vitest `test` target (frontend/project.json).
const { existsSync, globSync } = require('node:fs');
const path = require('node:path');
const { createNodesFromFiles } = require('@nx/devkit');

const REPORTS = 'dist/test-reports';

/** The JSON report of `target` for the project `name`, relative to the workspace root. */
const reportFile = (target, name) => `${REPORTS}/${target}/${name.replace(/\//g, '_')}.json`;

/** The test files each layer expects, relative to the workspace root (the runner checks each one ran). */
const LAYER_FILES = {
  test: (root) => [`${root}/src/**/*.spec.ts`],
  integration: (root) => [`${root}/test/**/*.int.ts`, ...(root === 'tests' ? ['tests/infra/**/*.int.ts'] : [])],
  faults: () => ['tests/faults/**/*.int.ts', 'tests/abuse/**/*.int.ts'],
  chart: () => ['tests/chart/**/*.test.mjs'],
  cluster: () => ['tests/cluster/**/*.int.ts'],
  e2e: (root) => [`${root}/e2e/**/*.e2e.ts`],
};

const has = (workspaceRoot, patterns) => patterns.some((p) => globSync(p, { cwd: workspaceRoot }).length > 0);

function jest(config, name, target, paths, extra = '') {
  const out = reportFile(target, name);
  return `npx jest -c ${config} --ci ${extra}--json --outputFile=${out} ${paths.join(' ')}`;
}

function targetsFor(root, name, workspaceRoot) {
  const targets = {};
  const files = (layer) => LAYER_FILES[layer](root);
  const run = (command, { cache = false, inputs } = {}, layer) => ({
    executor: 'nx:run-commands',
    // Jest and node:test write their report into a folder that must exist (a fresh clone has no dist/).
    options: { command: `mkdir -p ${path.posix.dirname(reportFile(layer, name))} && ${command}`, cwd: '{workspaceRoot}' },
    cache,
    ...(inputs && { inputs }),
    outputs: [`{workspaceRoot}/${reportFile(layer, name)}`],
    metadata: { description: `test layer ${layer}`, testFiles: files(layer) },
  });
  if (name !== 'frontend' && has(workspaceRoot, files('test'))) {
    targets.test = run(
      jest('jest.unit.config.cjs', name, 'test', [`${root}/src`]),
      {
        cache: true,
        inputs: ['default', '^default', '{workspaceRoot}/jest.unit.config.cjs', '{workspaceRoot}/scripts/lib/jest-common.cjs', '{workspaceRoot}/.swcrc'],
      },
      'test',
    );
  }
  if (has(workspaceRoot, files('integration'))) {
    const dirs = root === 'tests' ? ['tests/infra'] : [`${root}/test`];
    targets.integration = run(jest('jest.integration.config.cjs', name, 'integration', dirs, '--runInBand '), {}, 'integration');
  }
  if (root === 'tests') {
    targets.faults = run(jest('jest.integration.config.cjs', name, 'faults', ['tests/faults', 'tests/abuse'], '--runInBand '), {}, 'faults');
    targets.cluster = run(jest('jest.integration.config.cjs', name, 'cluster', ['tests/cluster'], '--runInBand '), {}, 'cluster');
    targets.chart = run(
      `node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=./scripts/lib/node-test-report.mjs --test-reporter-destination=${reportFile('chart', name)} tests/chart/chart.test.mjs`,
      {},
      'chart',
    );
  }
  if (existsSync(path.join(workspaceRoot, root, 'e2e', 'jest.config.cjs'))) {
    targets.e2e = run(jest(`${root}/e2e/jest.config.cjs`, name, 'e2e', [], '--runInBand '), {}, 'e2e');
  }
  return targets;
}

module.exports = {
  LAYER_FILES,
  reportFile,
  createNodesV2: [
    '**/project.json',
    (files, options, context) =>
      createNodesFromFiles(
        (file, _options, ctx) => {
          const root = path.dirname(file);
          const { name } = require(path.join(ctx.workspaceRoot, file));
          const targets = targetsFor(root, name, ctx.workspaceRoot);
          return Object.keys(targets).length ? { projects: { [root]: { targets } } } : {};
        },
        files,
        options,
        context,
      ),
  ],
};
