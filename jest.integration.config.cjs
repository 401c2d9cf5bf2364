// Integration tests against the real Kafka broker and FerretDB that the test
// harness (scripts/test.mjs) starts and passes in KAFKA_BROKERS / MONGO_URL.
// Run: `npm run test:integration` (starts its own infrastructure), or
// `npx jest -c jest.integration.config.cjs --runInBand` with both variables set.
const fs = require('node:fs');
const path = require('node:path');
const { root, common } = require('./scripts/lib/jest-common.cjs');

module.exports = {
  ...common,
  displayName: 'integration',
  rootDir: root,
  roots: ['services', 'libs', 'tests'].filter((d) => fs.existsSync(path.join(root, d))).map((d) => `<rootDir>/${d}`),
  testMatch: [
    '<rootDir>/services/*/test/**/*.int.ts',
    '<rootDir>/libs/**/test/**/*.int.ts',
    '<rootDir>/tests/**/*.int.ts',
  ],
  testTimeout: 60000,
  // A client left connected by a test must not keep the run from finishing.
  forceExit: true,
};
