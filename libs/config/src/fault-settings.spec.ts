import { isConfigError } from '@weft/errors';
import { createEnvReader } from './env-reader.js';
import { readFaultSettings } from './fault-settings.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  const read = createEnvReader(env);
  readFaultSettings(read);
  try {
    read.assertValid();
    return [];
  } catch (error) {
    if (!isConfigError(error)) throw error;
    return [...error.problems];
  }
}

describe('readFaultSettings', () => {
  it('is off by default', () => {
    expect(readFaultSettings(createEnvReader({}))).toEqual({ testMode: false, latencyMs: 0, errorRate: 0, methods: [] });
  });

  it('reads latency, error rate and methods in test mode', () => {
    const read = createEnvReader({ WEFT_TEST_MODE: '1', WEFT_FAULT_LATENCY_MS: '250', WEFT_FAULT_ERROR_RATE: '0.25', WEFT_FAULT_METHODS: 'RunMapTask, StreamPartition' });
    expect(readFaultSettings(read)).toEqual({ testMode: true, latencyMs: 250, errorRate: 0.25, methods: ['RunMapTask', 'StreamPartition'] });
    expect(() => read.assertValid()).not.toThrow();
  });

  it('refuses fault settings without test mode, and bad rates', () => {
    expect(problemsOf({ WEFT_FAULT_LATENCY_MS: '100' })).toEqual([
      'WEFT_FAULT_LATENCY_MS and WEFT_FAULT_ERROR_RATE require WEFT_TEST_MODE=1 (fault injection is for tests only)',
    ]);
    expect(problemsOf({ WEFT_TEST_MODE: 'no', WEFT_FAULT_ERROR_RATE: '0.5' })).toHaveLength(1);
    expect(problemsOf({ WEFT_TEST_MODE: '1', WEFT_FAULT_ERROR_RATE: '1.5' })).toEqual([
      `WEFT_FAULT_ERROR_RATE must be a number from 0 to 1, got "1.5"`,
    ]);
  });
});
