// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/*
 * Module boundaries. A module is a top-level folder of src/ (src/billing/runs is billing); it
 * reads and writes its own records only, and other modules go through its exported services (or
 * a port it implements). Only repositories talk to the store. Enforced on import paths:
 *
 * (a) no file imports another module's repository (`*.repository`) or writer (`*writer`);
 * (b) only repositories (`*.repository.ts`, and their unit tests) import src/database's
 *     internals (client, keys, transactions, paging, batch writes, table definition).
 *
 * Shared folders are no modules: src/common, src/config, src/pricing-core (a pure library) and
 * src/database (the store's infrastructure). Any other folder of src/ is a module, so a new one is
 * covered without touching this file. test/ and bench/ wire the application from outside and may
 * use anything. Dynamic `import()` and `require` are not checked (the code uses neither).
 */
const SHARED_FOLDERS = ['common', 'config', 'database', 'pricing-core'];
const MODULES = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !SHARED_FOLDERS.includes(entry.name))
  .map((entry) => entry.name)
  .sort();

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A relative import into `folder` of src: `./usage/…` (src itself), `../usage/…`, `../../usage/…`. */
const into = (folder) => `^(?:\\.\\.?/)+${escapeRegex(folder)}/`;
const EXTENSION = '(?:\\.[cm]?[jt]s)?$';

/** (a): `module`'s repositories and writers, at any depth of its folder. */
const storeOf = (module) => ({
  regex: `${into(module)}(?:[^/]+/)*[^/]*(?:\\.repository|writer)${EXTENSION}`,
  message: `Only the ${module} module reads and writes its records: use its exported service (or a port it implements).`,
});

/**
 * Files of src/database that any code may import: the type of one transaction action, which
 * services hand to their repositories so that their audit and outbox items commit in the same
 * transaction as the change.
 */
const OPEN_DATABASE_FILES = ['transact-item'];

/** (b): src/database's files except `allowed`. */
const databaseInternals = (allowed) => ({
  regex: `${into('database')}(?!(?:${allowed.map(escapeRegex).join('|')})${EXTENSION})`,
  message: "Only repositories (*.repository.ts) use the store's internals: move this into one.",
});

/**
 * The rule for files of `owner` (a module, or undefined for code that belongs to none);
 * `database` lists the src/database files they may import besides the open ones, or is `true`
 * when they may import any.
 */
const boundaries = (owner, database = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...MODULES.filter((module) => module !== owner).map(storeOf),
        ...(database === true ? [] : [databaseInternals([...OPEN_DATABASE_FILES, ...database])]),
      ],
    },
  ],
});

/** Later blocks win for the files they match (a rule's options are replaced, not merged). */
const moduleBoundaries = [
  // Shared code and anything else in src/: no module's records, no store internals.
  { files: ['src/**/*.ts'], rules: boundaries(undefined) },
  // The application root wires the modules: DatabaseModule, and main.ts (with AppModule, which
  // stops it on shutdown) starts the embedded DynamoDB Local outside production.
  {
    files: ['src/*.ts'],
    rules: boundaries(undefined, ['database.module', 'embedded-dynamodb']),
  },
  // The store's own infrastructure.
  { files: ['src/database/**/*.ts'], rules: boundaries(undefined, true) },
  ...MODULES.flatMap((module) => [
    { files: [`src/${module}/**/*.ts`], rules: boundaries(module) },
    // A module may import DatabaseModule (global, so none needs to today).
    { files: [`src/${module}/**/*.module.ts`], rules: boundaries(module, ['database.module']) },
    {
      files: [`src/${module}/**/*.repository.ts`, `src/${module}/**/*.repository.spec.ts`],
      rules: boundaries(module, true),
    },
  ]),
  // The store's health check asks the table itself (DescribeTable), which is no module's record.
  { files: ['src/health/dynamo.health.ts'], rules: boundaries('health', ['dynamo-database']) },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'infra/**',
      'eslint.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  ...moduleBoundaries,
);
