import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          // Apps import libraries, never each other; libraries never import apps;
          // the contracts import nothing of ours; the web client sees only the client
          // contracts (@chat/contracts), never the bus's (@chat/contracts/bus).
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:platform'], notDependOnLibsWithTags: ['scope:test'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:util', 'type:platform'], notDependOnLibsWithTags: ['scope:test'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared'], notDependOnLibsWithTags: ['type:platform', 'contracts:bus'] },
            { sourceTag: 'scope:test', onlyDependOnLibsWithTags: ['type:util', 'type:platform'] },
            { sourceTag: 'scope:bench', onlyDependOnLibsWithTags: ['type:util'] },
          ],
        },
      ],
    },
  },
  {
    // Build configuration, not code of the service: it loads the one shared webpack config by path.
    // (Patterns for both the root and a service's own config, which imports this one from its folder.)
    files: ['services/*/webpack.config.js', 'webpack.config.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // A service's integration tests (services/*/test) drive the built platform
    // through the test harness; its runtime sources (src/) still may not.
    files: ['services/*/test/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          depConstraints: [{ sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:platform', 'scope:test'] }],
        },
      ],
    },
  },
  {
    // The fault and infrastructure suites drive the launcher itself (scripts/ is not an Nx project).
    files: ['tests/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['../../scripts/**'],
          depConstraints: [{ sourceTag: 'scope:test', onlyDependOnLibsWithTags: ['type:util', 'type:platform'] }],
        },
      ],
    },
  },
  {
    files: [
      '**/*.ts',
      '**/*.tsx',
      '**/*.cts',
      '**/*.mts',
      '**/*.js',
      '**/*.jsx',
      '**/*.cjs',
      '**/*.mjs',
    ],
    // Override or add rules here
    rules: {},
  },
];
