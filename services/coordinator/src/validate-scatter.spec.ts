import { create } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { FunctionRegistry } from '@weft/jobs';
import { ScatterRequestSchema } from '@weft/proto';
import { validateScatterRequest } from './validate-scatter.js';

const functions = FunctionRegistry.withBuiltins();
const value = (n: number) => create(ValueSchema, { kind: { case: 'numberValue', value: n } });
const request = (fields: Record<string, unknown>) =>
  create(ScatterRequestSchema, { function: 'count-primes', inputs: [value(10), value(20)], maxConcurrency: 2, ...fields });

describe('validateScatterRequest', () => {
  it('plans a valid request: inputs as JSON, params with defaults', () => {
    const plan = validateScatterRequest(request({ itemTimeoutMs: 100, hedgeAfterMs: 50, minSuccesses: 1 }), functions);
    expect(plan).toMatchObject({ paramsJson: '{}', inputsJson: ['10', '20'], maxConcurrency: 2, itemTimeoutMs: 100, hedgeAfterMs: 50, minSuccesses: 1 });
    expect(plan.definition.name).toBe('count-primes');
  });

  it.each<[Record<string, unknown>, string]>([
    [{ function: '' }, 'function must name a registered scatter function'],
    [{ function: 'nope' }, 'no function named "nope" is registered'],
    [{ params: { x: 1 } }, 'params.x is not a parameter of count-primes (it takes none)'],
    [{ inputs: [] }, 'inputs must contain at least one input'],
    [{ maxConcurrency: 0 }, 'max_concurrency must be at least 1, got 0'],
    [{ itemTimeoutMs: 86_400_001 }, 'item_timeout_ms must be at most 86400000 (24 h), got 86400001'],
    [{ itemTimeoutMs: 10, hedgeAfterMs: 20 }, 'hedge_after_ms must be less than item_timeout_ms (10), got 20'],
    [{ minSuccesses: 3 }, 'min_successes must be at most the number of inputs (2), got 3'],
  ])('rejects %j', (fields, message) => {
    expect(() => validateScatterRequest(request(fields), functions)).toThrow(message);
  });
});
