import { existsSync } from 'node:fs';
import type { Interceptor } from '@connectrpc/connect';
import type { Logger } from '@weft/telemetry';
import { AuthCounters, authInterceptor, authenticate } from './auth-interceptor.js';
import { TokenStore, type Principal } from './auth-tokens.js';
import type { GatewayConfig } from './config.js';
import { limitsInterceptor } from './limits-interceptor.js';

/** The gateway's edge security: authentication, scopes and request limits, as server interceptors. */
export interface EdgeSecurity {
  /** Interceptors to install, in order: authentication (unless development mode), then limits. */
  readonly interceptors: Interceptor[];
  /** Authentication attempts so far. */
  readonly counters: AuthCounters;
  /**
   * What the interceptors do for a call handled outside Connect: the caller of `methodPath`
   * (`service/method`) from its `authorization` header, undefined in development mode. Throws
   * UNAUTHENTICATED or PERMISSION_DENIED like the authentication interceptor.
   */
  authenticate(methodPath: string, authorization: string | undefined): Principal | undefined;
  /** Stops watching the tokens file. */
  close(): void;
}

/**
 * Builds the edge security from the configuration. With a tokens file every call but health needs
 * a bearer token (the file is re-read when it changes). In development mode the file is optional:
 * when it is not set or does not exist, no call needs a token, and a warning says so. Throws
 * ConfigError when the tokens file is missing (outside development mode), unreadable or malformed.
 */
export function createEdgeSecurity(config: Pick<GatewayConfig, 'tokensFile' | 'devMode' | 'limits'>, log: Logger): EdgeSecurity {
  const counters = new AuthCounters();
  const interceptors: Interceptor[] = [];
  let tokens: TokenStore | undefined;
  const useTokens = config.tokensFile !== undefined && !(config.devMode && !existsSync(config.tokensFile));
  if (useTokens && config.tokensFile !== undefined) {
    tokens = new TokenStore(config.tokensFile, {
      onReload: (count) => log.info({ tokens: count }, 'tokens file re-read'),
      onReloadError: (error) => log.error({ err: error }, 'tokens file could not be re-read; the previous tokens stay valid'),
    });
    log.info({ tokens: tokens.size }, 'bearer-token authentication on');
    interceptors.push(authInterceptor(tokens, counters));
  } else {
    log.warn('GATEWAY_DEV_MODE: serving every call WITHOUT authentication (local development only)');
  }
  interceptors.push(limitsInterceptor(config.limits));
  return {
    interceptors,
    counters,
    authenticate: (methodPath, authorization) => (tokens ? authenticate(tokens, counters, methodPath, authorization ?? null) : undefined),
    close: () => tokens?.close(),
  };
}
