// The house rules of docs/architecture.md, checked: imports go one way (cli -> ops -> domain
// modules -> core), domain modules never import each other, each third-party library has one
// home, and there are no import cycles. `npm test` runs this (npm run lint), so CI fails on a
// broken rule. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const DOMAIN = ['pipeline', 'lock', 'cache', 'exec', 'env', 'record', 'compare', 'remote', 'report'];
const ALL = ['main', 'cli', 'ops', 'model', ...DOMAIN, 'core'];

/** What each folder of src/ may import from the others (besides itself and node's modules). */
const MAY_IMPORT = {
  cli: ['ops', 'report', 'model', 'core'],
  ops: ['model', ...DOMAIN, 'core'],
  ...Object.fromEntries(DOMAIN.map((d) => [d, ['model', 'core']])),
  model: [],
  core: [],
};

/** Third-party libraries and the one module (a file or folder under src/) allowed to import each. */
const LIBRARY_HOME = {
  commander: ['src/main.ts', 'src/cli/'],
  yaml: ['src/core/yaml.ts', 'src/core/yaml-emit.ts', 'src/core/yaml-convert.ts' /* types only: the library loads in yaml.ts */],
  diff: ['src/compare/linediff.ts'],
  '@aws-sdk/client-s3': ['src/remote/s3.ts'],
};

function layerRules(layer) {
  const banned = ALL.filter((l) => l !== layer && l !== 'main' && !MAY_IMPORT[layer].includes(l));
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...banned.map((l) => ({
              group: [`../${l}/*`, `../../${l}/*`, `../${l}`, `../../${l}`],
              message: `src/${layer}/ may not import src/${l}/ (docs/architecture.md: imports go cli -> ops -> domain -> core)`,
            })),
            { group: ['../main.js', '../../main.js'], message: 'nothing imports main.ts' },
            ...(layer === 'cli'
              ? [
                  {
                    group: ['../ops/*/*', '!../ops/*/index.js', '../report/*/*', '!../report/*/index.js'],
                    message: 'the CLI calls an ops/ or report/ folder through its index.ts, its public face',
                  },
                ]
              : []),
            ...libraryBans(layer),
          ],
        },
      ],
    },
  };
}

function libraryBans(layer) {
  return Object.entries(LIBRARY_HOME)
    .filter(([, homes]) => !homes.some((h) => h === `src/${layer}/` || h.startsWith(`src/${layer}/`)))
    .map(([lib, homes]) => ({ regex: `^${lib.replace(/[/.]/g, '\\$&')}(/|$)`, message: `${lib} is imported only in ${homes.join(', ')}` }));
}

/** A folder that holds a library's home file: every other file of that folder is still banned. */
function homeFileRules() {
  const out = [];
  for (const [lib, homes] of Object.entries(LIBRARY_HOME)) {
    for (const h of homes.filter((x) => x.endsWith('.ts'))) {
      const dir = h.slice(0, h.lastIndexOf('/') + 1);
      out.push({
        files: [`${dir}*.ts`],
        ignores: homes.filter((x) => x.startsWith(dir)),
        rules: {
          'no-restricted-imports': ['error', { paths: [{ name: lib, message: `${lib} is imported only in ${homes.join(', ')}` }] }],
        },
      });
    }
  }
  return out;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  ...['cli', 'ops', 'model', ...DOMAIN, 'core'].map(layerRules),
  ...homeFileRules(),
  {
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.mjs', 'bin/**/*.js', '*.mjs', '*.ts'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        AbortController: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The executable is CommonJS (bin/package.json: ~5 ms less start-up than an ES module).
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
