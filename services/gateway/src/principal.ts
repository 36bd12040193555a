import { createContextKey, type HandlerContext } from '@connectrpc/connect';
import type { Principal } from './auth-tokens.js';

/**
 * Header carrying the authenticated caller's name from the gateway to the coordinator, which
 * records it as a job's owner and shows each caller only its own jobs. The coordinator trusts it
 * because only the gateway can reach its port (see SECURITY.md). The gateway never forwards a
 * caller's own headers, so a caller cannot set it.
 */
export const principalHeader = 'x-weft-principal';
/** Header set to `true` when the caller holds the `admin` scope (sees and cancels every job). */
export const adminHeader = 'x-weft-admin';

/** The authenticated caller of the current call; undefined in development mode (no authentication). */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: 'weft principal' });

/** The identity headers for the next hop; none in development mode. */
export function principalHeaders(ctx: HandlerContext): Record<string, string> {
  return identityHeaders(ctx.values.get(principalKey));
}

/** The identity headers of `principal` for the next hop; none without one (development mode). */
export function identityHeaders(principal: Principal | undefined): Record<string, string> {
  if (!principal) return {};
  return { [principalHeader]: principal.name, [adminHeader]: String(principal.scopes.has('admin')) };
}
