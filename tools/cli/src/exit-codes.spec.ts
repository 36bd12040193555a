import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, JobFailedError } from '@weft/client';
import { JobSchema } from '@weft/proto';
import { ExitCode, UsageError, describeError, exitCodeOf } from './exit-codes.js';

describe('exitCodeOf', () => {
  it('maps each failure to the documented exit code', () => {
    expect(exitCodeOf(new UsageError('bad'))).toBe(ExitCode.usage);
    expect(exitCodeOf(new JobFailedError(create(JobSchema, { id: 'j' })))).toBe(ExitCode.failed);
    expect(exitCodeOf(new ConnectError('refused', Code.Unavailable))).toBe(ExitCode.unreachable);
    expect(exitCodeOf(new ConnectError('no such function', Code.NotFound))).toBe(ExitCode.usage);
    expect(exitCodeOf(new ConnectError('missing file', Code.InvalidArgument))).toBe(ExitCode.usage);
    expect(exitCodeOf(new ConnectError('boom', Code.Internal))).toBe(ExitCode.failed);
    expect(exitCodeOf(new Error('other'))).toBe(ExitCode.failed);
  });

  it('describes an unreachable gateway by its URL', () => {
    expect(describeError(new ConnectError('connect ECONNREFUSED 127.0.0.1:1', Code.Unavailable), 'http://127.0.0.1:1')).toBe(
      'error: cannot reach the gateway at http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(describeError(new ConnectError('function "nope" is not registered', Code.NotFound))).toBe(
      'error: function "nope" is not registered (NotFound)',
    );
  });
});
