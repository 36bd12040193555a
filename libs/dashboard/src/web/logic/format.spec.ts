import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { BreakerState, JobState, ValueSchema } from '@weft/proto';
import { breakerStateName, codeName, describeCallFailure, formatBytes, formatCount, formatDuration, jobStateName, resultValueText } from './format.js';

describe('describeCallFailure', () => {
  it('gives the gRPC name and number of the code and the message without Connect’s prefix', () => {
    expect(describeCallFailure(new ConnectError('missing scope admin', Code.PermissionDenied))).toEqual({ code: 'PERMISSION_DENIED', codeNumber: 7, message: 'missing scope admin' });
    expect(describeCallFailure(new ConnectError('job j does not exist', Code.NotFound))).toEqual({ code: 'NOT_FOUND', codeNumber: 5, message: 'job j does not exist' });
  });

  it('treats any other error as UNKNOWN, keeping its message', () => {
    expect(describeCallFailure(new Error('params must be a JSON object'))).toEqual({ code: 'UNKNOWN', codeNumber: 2, message: 'params must be a JSON object' });
  });

  it('names every code', () => {
    expect([Code.DeadlineExceeded, Code.ResourceExhausted, Code.Unauthenticated, Code.Unimplemented].map(codeName)).toEqual(['DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'UNAUTHENTICATED', 'UNIMPLEMENTED']);
  });
});

describe('formatting', () => {
  it('durations', () => {
    expect([0, 999, 1_000, 12_345, 65_000, 3_600_000 + 120_000].map(formatDuration)).toEqual(['0 ms', '999 ms', '1.0 s', '12.3 s', '1 min 05 s', '1 h 02 min']);
    expect(formatDuration(-1)).toBe('—');
  });

  it('counts and bytes', () => {
    expect(formatCount(1234567n)).toBe('1,234,567');
    expect([0, 1023, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 GiB']);
  });

  it('enum names', () => {
    expect(jobStateName(JobState.SUCCEEDED)).toBe('SUCCEEDED');
    expect([BreakerState.UNSPECIFIED, BreakerState.HALF_OPEN].map(breakerStateName)).toEqual(['—', 'HALF_OPEN']);
  });

  it('result values exactly: integers beyond 2^53 included, JSON as sent', () => {
    expect(resultValueText(create(ValueSchema, { kind: { case: 'int', value: 9_007_199_254_740_993n } }))).toBe('9007199254740993');
    expect(resultValueText(create(ValueSchema, { kind: { case: 'json', value: '["a.txt",2]' } }))).toBe('["a.txt",2]');
    expect(resultValueText(undefined)).toBe('');
  });
});
