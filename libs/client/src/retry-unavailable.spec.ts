import { Code, ConnectError } from '@connectrpc/connect';
import { isConnectionFailure } from './retry-unavailable.js';

describe('isConnectionFailure', () => {
  it('is UNAVAILABLE, or a transport error about the connection, and never the caller\'s own cancel', () => {
    expect(isConnectionFailure(new ConnectError('connect ECONNREFUSED 127.0.0.1:1', Code.Unavailable))).toBe(true);
    expect(isConnectionFailure(new ConnectError('read ECONNRESET', Code.Aborted))).toBe(true);
    expect(isConnectionFailure(new ConnectError('Stream closed with error code NGHTTP2_INTERNAL_ERROR', Code.Internal))).toBe(true);
    expect(isConnectionFailure(new ConnectError('socket hang up', Code.Unknown))).toBe(true);
    // Statuses a server chose are answers, whatever their text.
    expect(isConnectionFailure(new ConnectError('job j-1 does not exist', Code.NotFound))).toBe(false);
    expect(isConnectionFailure(new ConnectError('the job was aborted by policy', Code.Aborted))).toBe(false);
    expect(isConnectionFailure(new ConnectError('ECONNRESET in a message', Code.InvalidArgument))).toBe(false);
    const cancelled = new AbortController();
    cancelled.abort();
    expect(isConnectionFailure(new ConnectError('read ECONNRESET', Code.Aborted), cancelled.signal)).toBe(false);
  });
});
