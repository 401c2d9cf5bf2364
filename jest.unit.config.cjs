// Unit tests of every service and library: `*.spec.ts` beside the code, one
// Jest project each. Run: `npx jest -c jest.unit.config.cjs` (or `npm run test:unit`).
// The Angular app's unit tests run on Vitest through `npx nx test frontend`.
const fs = require('node:fs');
const path = require('node:path');
const { root, common, nxProjects } = require('./scripts/lib/jest-common.cjs');

const projects = [...nxProjects('services'), ...nxProjects('libs')]
  .filter((dir) => fs.existsSync(path.join(root, dir, 'src')))
  .map((dir) => ({
    ...common,
    displayName: dir.replace(/^(services|libs)\//, ''),
    rootDir: root,
    roots: [`<rootDir>/${dir}/src`],
    testMatch: [`<rootDir>/${dir}/src/**/*.spec.ts`],
  }));

module.exports = {
  rootDir: root,
  projects,
};
