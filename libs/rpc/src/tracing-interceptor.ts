import type { Interceptor } from '@connectrpc/connect';
import { context } from '@opentelemetry/api';
import { startClientSpan, startServerSpan, traceStream } from './rpc-span.js';

/**
 * Client interceptor: opens a CLIENT span per call (child of the active span) and sends its W3C
 * `traceparent`/`tracestate` with the request. Streaming calls keep the span open until the
 * response stream ends. A no-op tracer (tracing off) costs a few allocations per call.
 */
export function tracingClientInterceptor(): Interceptor {
  return (next) => async (request) => {
    const rpc = startClientSpan(request.service.typeName, request.method.name, request.header, request.url);
    try {
      const response = await next(request);
      if (!response.stream) {
        rpc.end();
        return response;
      }
      return { ...response, message: traceStream(response.message, rpc) };
    } catch (error) {
      rpc.end(error);
      throw error;
    }
  };
}

/**
 * Server interceptor for the connect-node stack: opens a SERVER span per call, continuing the
 * caller's trace from its W3C headers, and runs the handler (for streams: every step of it)
 * inside that span's context.
 */
export function tracingServerInterceptor(): Interceptor {
  return (next) => async (request) => {
    const rpc = startServerSpan(request.service.typeName, request.method.name, request.header);
    try {
      const response = await context.with(rpc.context, () => next(request));
      if (!response.stream) {
        rpc.end();
        return response;
      }
      return { ...response, message: traceStream(response.message, rpc) };
    } catch (error) {
      rpc.end(error);
      throw error;
    }
  };
}
