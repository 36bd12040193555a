import type { Interceptor } from '@connectrpc/connect';

/**
 * A Connect interceptor that sends `authorization: Bearer <token>` on every call, reading the token
 * when the call starts (so a token saved in the page applies to the next call). No header when the
 * token is blank: a gateway in development mode needs none.
 */
export function bearerInterceptor(token: () => string): Interceptor {
  return (next) => (request) => {
    const value = token().trim();
    if (value !== '') request.header.set('authorization', `Bearer ${value}`);
    return next(request);
  };
}
