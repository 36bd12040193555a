// Shared jest settings for every project. ESM throughout: tests run under
// NODE_OPTIONS=--experimental-vm-modules, sources are transformed by swc, and the `weft-source`
// export condition makes workspace libs load from their TypeScript sources, not from dist.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironmentOptions: { customExportConditions: ['weft-source', 'node', 'node-addons'] },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  reporters: ['default', new URL('./tools/ci/jest-totals-reporter.cjs', import.meta.url).pathname],
};
