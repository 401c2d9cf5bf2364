// Browser end-to-end tests of the web client: headless Chromium driven by
// playwright-core against a running platform whose gateway serves the built
// client. The harness (npm test, scripts/test.mjs) starts the platform and sets
// CHAT_URL; by hand: `CHAT_URL=http://localhost:8080 npx jest -c frontend/e2e/jest.config.cjs`.
const path = require('node:path');
const { common } = require('../../scripts/lib/jest-common.cjs');

module.exports = {
  ...common,
  displayName: 'browser',
  rootDir: path.resolve(__dirname, '..', '..'),
  roots: ['<rootDir>/frontend/e2e'],
  testMatch: ['**/*.e2e.ts'],
  // Real browsers, real services: generous, and one file at a time on small machines.
  testTimeout: 300_000,
  maxWorkers: 1,
  forceExit: true,
};
