import { create } from '@bufbuild/protobuf';
import { JobSchema, JobState } from '@weft/proto';
import { jobJson, stringifyJson } from './json-output.js';

describe('stringifyJson', () => {
  it('writes bigints as exact JSON integers', () => {
    const text = stringifyJson({ value: 333338333350000000n, small: 3 });
    expect(text).toContain('"value": 333338333350000000');
    expect(JSON.parse(text)).toEqual({ value: 333338333350000000, small: 3 });
  });
});

describe('jobJson', () => {
  it('uses the proto JSON mapping and emits default values', () => {
    const json = jobJson(create(JobSchema, { id: 'j-1', function: 'wordcount', state: JobState.RUNNING })) as Record<string, unknown>;
    expect(json).toMatchObject({ id: 'j-1', function: 'wordcount', state: 'JOB_STATE_RUNNING', reducers: 0, resultCount: '0', error: '' });
  });
});
