import type { Interceptor } from '@connectrpc/connect';
import { toConnectError } from './to-connect-error.js';

/**
 * Server interceptor that applies the error table to everything a handler throws, including
 * errors thrown while a response stream is being produced, so handlers simply `throw`.
 */
export function errorInterceptor(): Interceptor {
  return (next) => async (request) => {
    try {
      const response = await next(request);
      if (!response.stream) return response;
      return { ...response, message: mapStreamErrors(response.message) };
    } catch (error) {
      throw toConnectError(error);
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error);
  }
}
