import { metrics, type Meter } from '@opentelemetry/api';
import { instrumentationScope } from './spans.js';

/** The meter every Weft instrument comes from: a no-op meter unless the process serves `/metrics`. */
export function weftMeter(): Meter {
  return metrics.getMeter(instrumentationScope, '0.1.0');
}
