import type { EnvReader } from './env-reader.js';

/** Faults a worker injects into its own RPC handlers. Test mode only. */
export interface FaultSettings {
  /** WEFT_TEST_MODE: registers the FaultService control RPC and allows the settings below. Default false. */
  readonly testMode: boolean;
  /** WEFT_FAULT_LATENCY_MS: delay added before each matching handler, in milliseconds. Default 0. */
  readonly latencyMs: number;
  /** WEFT_FAULT_ERROR_RATE: fraction (0..1) of matching calls failing with UNAVAILABLE. Default 0. */
  readonly errorRate: number;
  /** WEFT_FAULT_METHODS: method names the faults apply to (e.g. RunMapTask); empty = every method. */
  readonly methods: string[];
}

/**
 * Reads WEFT_TEST_MODE, WEFT_FAULT_LATENCY_MS, WEFT_FAULT_ERROR_RATE and WEFT_FAULT_METHODS. A
 * fault setting without WEFT_TEST_MODE=1 is a configuration error: production configuration can
 * never turn fault injection on by accident.
 */
export function readFaultSettings(read: EnvReader): FaultSettings {
  const settings: FaultSettings = {
    testMode: read.bool('WEFT_TEST_MODE', false),
    latencyMs: read.int('WEFT_FAULT_LATENCY_MS', 0, { min: 0, max: 3_600_000 }),
    errorRate: read.number('WEFT_FAULT_ERROR_RATE', 0, { min: 0, max: 1 }),
    methods: read.list('WEFT_FAULT_METHODS', []),
  };
  if (!settings.testMode && (settings.latencyMs > 0 || settings.errorRate > 0)) {
    read.problem('WEFT_FAULT_LATENCY_MS and WEFT_FAULT_ERROR_RATE require WEFT_TEST_MODE=1 (fault injection is for tests only)');
  }
  return settings;
}
