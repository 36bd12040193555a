import type * as http2 from 'node:http2';
import { Http2SessionManager } from '@connectrpc/connect-node';

/** Receive window of each HTTP/2 stream Weft opens or accepts (SETTINGS_INITIAL_WINDOW_SIZE), in bytes: 4 MiB. */
export const http2StreamWindowBytes = 4 * 1024 * 1024;

/** Receive window of each whole HTTP/2 connection Weft opens or accepts, in bytes: 16 MiB. */
export const http2ConnectionWindowBytes = 16 * 1024 * 1024;

/** HTTP/2 settings announcing {@link http2StreamWindowBytes} (for `http2.connect` and `http2.createServer`). */
export const wideWindowSettings: http2.Settings = { initialWindowSize: http2StreamWindowBytes };

/**
 * Opens `session`'s receive windows to {@link http2StreamWindowBytes} per stream and
 * {@link http2ConnectionWindowBytes} for the connection (client and server sessions alike).
 *
 * Node leaves an HTTP/2 connection's receive window at the protocol's 65,535 bytes unless
 * `setLocalWindowSize` is called (nodejs/node#38426), and neither Connect's session manager nor
 * grpc-js's server calls it. The sender then stops every 64 KiB until the receiver's event loop
 * sends a WINDOW_UPDATE. On this machine that held one loopback stream of 1 MiB messages to
 * ~210-290 MB/s; with these windows the same Connect client read ~450-550 MB/s (raw http2: 650-1,000).
 * Memory stays bounded: a peer may send at most the window ahead of what the process has read.
 */
export function widenReceiveWindows(session: http2.Http2Session): void {
  if (session.destroyed || session.closed) return;
  try {
    if ((session.localSettings.initialWindowSize ?? 65_535) < http2StreamWindowBytes) session.settings(wideWindowSettings);
    session.setLocalWindowSize(http2ConnectionWindowBytes);
  } catch {
    // The session is going away (destroyed between the check and the call): nothing to widen.
  }
}

/**
 * Connect's HTTP/2 session manager, with every connection it opens given wide receive windows
 * ({@link widenReceiveWindows}): streams of bulk data (results, shuffle chunks) are then not held
 * to 64 KiB per round trip.
 */
export class WideWindowSessionManager extends Http2SessionManager {
  private readonly widened = new WeakSet<http2.Http2Session>();

  constructor(url: URL | string, pingOptions?: ConstructorParameters<typeof Http2SessionManager>[1], http2SessionOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions) {
    super(url, pingOptions, { ...http2SessionOptions, settings: { ...wideWindowSettings, ...http2SessionOptions?.settings } });
  }

  override async request(...args: Parameters<Http2SessionManager['request']>): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(...args);
    const session = stream.session;
    if (session && !this.widened.has(session)) {
      this.widened.add(session);
      widenReceiveWindows(session);
    }
    return stream;
  }
}
