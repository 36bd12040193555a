// ESLint for every project. Type-aware rules catch the bugs that hurt a streaming system most:
// a dropped promise on a stream fails silently (no-floating-promises).
import tseslint from 'typescript-eslint';

const services = ['gateway', 'coordinator', 'mapper', 'reducer'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/proto/src/gen/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommended],
    // Each project lints from its own folder (`npm run lint` there): its tsconfig.spec.json covers
    // sources and specs alike (tsconfig.json leaves specs out), and loading only that one program
    // keeps type-aware linting to seconds per project.
    languageOptions: { parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: process.cwd() } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // Module boundaries: libs never import services or tools; no service imports another service.
  {
    files: ['libs/**/*.ts', 'libs/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...services.map((s) => `@weft/${s}`), '@weft/cli', '@weft/bench', '@weft/corpus'], message: 'libs must not depend on services or tools' }] }],
    },
  },
  ...services.map((s) => ({
    files: [`services/${s}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: services.filter((o) => o !== s).map((o) => `@weft/${o}`), message: 'a service must not import another service; share code through libs/' }, { group: ['../../*/src/*', '../../../libs/*'], message: 'import libs by package name' }] }],
    },
  })),
  { files: ['**/*.spec.ts', 'tools/**/*.ts'], rules: { 'no-console': 'off' } },
);
