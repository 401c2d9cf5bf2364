// What the root Jest configs (jest.unit.config.cjs, jest.integration.config.cjs)
// share: the SWC transform (decorators with metadata, as NestJS needs, from
// .swcrc) and a moduleNameMapper built from the @chat/* paths of
// tsconfig.base.json, so tests run the TypeScript sources without a build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));

/** JSON with comments and trailing commas, as tsconfig files allow. */
function readJsonc(file) {
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, str) => str ?? '')
    .replace(/,(\s*[}\]])/g, '$1');
  return JSON.parse(text);
}

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function moduleNameMapper() {
  const { compilerOptions = {} } = readJsonc(path.join(root, 'tsconfig.base.json'));
  const baseUrl = path.resolve(root, compilerOptions.baseUrl ?? '.');
  const mapper = {};
  for (const [alias, targets] of Object.entries(compilerOptions.paths ?? {})) {
    const target = path.resolve(baseUrl, targets[0]);
    if (alias.endsWith('/*')) {
      mapper[`^${escapeRegex(alias.slice(0, -2))}/(.*)$`] = target.replace(/\*$/, '$1');
    } else {
      mapper[`^${escapeRegex(alias)}$`] = target;
    }
  }
  return mapper;
}

const swcFor = (syntax) => [
  require.resolve('@swc/jest'),
  { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, parser: { ...swcrc.jsc.parser, syntax } } },
];

/** Settings every root Jest project shares. */
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': swcFor('typescript'),
    // The launcher (scripts/**/*.mjs) is ESM; tests import it through this transform.
    '^.+\\.(mjs|cjs|js)$': swcFor('ecmascript'),
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: moduleNameMapper(),
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/\\.data/', '/\\.cache/'],
};

/** Folders under `dir` (relative to the root) that hold an Nx project.json. */
function nxProjects(dir) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.existsSync(path.join(abs, 'project.json'))) out.push(rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory() && !['node_modules', 'src', 'dist', 'test'].includes(entry.name)) {
        walk(path.join(rel, entry.name));
      }
    }
  };
  walk(dir);
  return out;
}

module.exports = { root, common, moduleNameMapper, nxProjects };
