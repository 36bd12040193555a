import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { weftMeter } from '@weft/telemetry';
import type { Principal, Scope, TokenStore } from './auth-tokens.js';
import { principalKey } from './principal.js';

/**
 * The scope each public RPC needs, by `service/method`: `none` (health: probes call it without a
 * token), `any` (a valid token of any scope: reflection), or a scope. An RPC not listed needs
 * `admin`, so a method added later is closed until someone decides who may call it. `admin`
 * implies every scope.
 */
export const requiredScopes: Readonly<Record<string, Scope | 'none' | 'any'>> = {
  'grpc.health.v1.Health/Check': 'none',
  'grpc.health.v1.Health/Watch': 'none',
  'grpc.reflection.v1.ServerReflection/ServerReflectionInfo': 'any',
  'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': 'any',
  'weft.v1.JobService/SubmitJob': 'submit',
  'weft.v1.JobService/UploadJob': 'submit',
  'weft.v1.JobService/CancelJob': 'submit',
  'weft.v1.JobService/GetJob': 'read',
  'weft.v1.JobService/GetJobTrace': 'read',
  'weft.v1.JobService/WatchJob': 'read',
  'weft.v1.JobService/ReadResults': 'read',
  'weft.v1.JobService/ListJobs': 'read',
  'weft.v1.ScatterGatherService/Scatter': 'submit',
  'weft.v1.ClusterService/ListFunctions': 'read',
  'weft.v1.ClusterService/DescribeCluster': 'admin',
};

/** The one message of every refused credential: it never says whether the header, scheme or token was wrong. */
export const unauthenticatedMessage = 'authentication required: send a valid bearer token';

/** Outcome of one authentication attempt, as counted. */
export type AuthOutcome = 'accepted' | 'unauthenticated' | 'permission_denied';

/**
 * Authentication attempts at the gateway: a plain tally (for logs and tests) mirrored into the
 * OpenTelemetry counter `weft.gateway.auth.attempts` with attribute `outcome`, which the
 * gateway's Prometheus endpoint exports as `weft_gateway_auth_attempts_total`.
 */
export class AuthCounters {
  readonly counts: Record<AuthOutcome, number> = { accepted: 0, unauthenticated: 0, permission_denied: 0 };
  private readonly counter = weftMeter().createCounter('weft.gateway.auth.attempts', {
    unit: '{attempt}',
    description: 'Calls to the gateway that presented credentials or needed them, by outcome (accepted, unauthenticated, permission_denied).',
  });

  /** Counts one attempt. */
  add(outcome: AuthOutcome): void {
    this.counts[outcome] += 1;
    this.counter.add(1, { outcome });
  }
}

function bearerToken(authorization: string | null): string | undefined {
  // Tokens are short; a longer header is refused before any hashing (Node caps headers at 16 KiB anyway).
  if (authorization === null || authorization.length > 1024) return undefined;
  const match = /^Bearer +(\S+)$/i.exec(authorization);
  return match?.[1];
}

function allows(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

/**
 * Authenticates one call to `methodPath` (`service/method`) from its `authorization` header and
 * checks the method's scope ({@link requiredScopes}). Returns the caller, or undefined for a
 * method that needs no token. Throws UNAUTHENTICATED ({@link unauthenticatedMessage}) or
 * PERMISSION_DENIED naming the scope needed, and counts the attempt either way.
 */
export function authenticate(tokens: TokenStore, counters: AuthCounters, methodPath: string, authorization: string | null): Principal | undefined {
  const scope = requiredScopes[methodPath] ?? 'admin';
  if (scope === 'none') return undefined;
  const token = bearerToken(authorization);
  const principal = token === undefined ? undefined : tokens.verify(token);
  if (!principal) {
    counters.add('unauthenticated');
    throw new ConnectError(unauthenticatedMessage, Code.Unauthenticated);
  }
  if (scope !== 'any' && !allows(principal, scope)) {
    counters.add('permission_denied');
    throw new ConnectError(`${methodPath.slice(methodPath.indexOf('/') + 1)} needs a token with the "${scope}" scope`, Code.PermissionDenied);
  }
  counters.add('accepted');
  return principal;
}

/**
 * Server interceptor that {@link authenticate}s every call but health. The principal is put in the
 * call's context values ({@link principalKey}) for the relay to pass on.
 */
export function authInterceptor(tokens: TokenStore, counters: AuthCounters): Interceptor {
  return (next) => async (request) => {
    const principal = authenticate(tokens, counters, `${request.service.typeName}/${request.method.name}`, request.header.get('authorization'));
    if (principal) request.contextValues.set(principalKey, principal);
    return next(request);
  };
}
