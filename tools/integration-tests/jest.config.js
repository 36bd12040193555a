import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'integration-tests',
  // Real clusters on a small shared machine: each test takes seconds; the limit only catches hangs.
  testTimeout: 120_000,
};
