import type { Interceptor } from '@connectrpc/connect';
import { context, propagation } from '@opentelemetry/api';

/**
 * Sends the caller's W3C trace context (`traceparent`/`tracestate` of the active span) with every
 * call, so an application that runs the OpenTelemetry SDK sees Weft's spans of its job inside its
 * own trace. Makes no spans itself; without an SDK (no propagator registered) it adds nothing.
 */
export function traceContextInterceptor(): Interceptor {
  return (next) => (request) => {
    propagation.inject(context.active(), request.header, { set: (headers, key, value) => headers.set(key, value) });
    return next(request);
  };
}
