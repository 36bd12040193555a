import type { DescService } from '@bufbuild/protobuf';
import type { CallOptions, Client, HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { principalHeaders } from './principal.js';

/**
 * Call options that carry the caller's cancellation, remaining deadline and authenticated identity
 * (never the caller's own headers) to the next hop.
 */
export function forwardOptions(ctx: HandlerContext): CallOptions {
  return { signal: ctx.signal, timeoutMs: ctx.timeoutMs(), headers: principalHeaders(ctx) };
}

/**
 * Implements every method of `service` by calling the same method on `upstream`, passing the
 * caller's deadline and cancellation along (so a client's grpc-timeout bounds the whole chain).
 * Errors from upstream keep their code and message: the coordinator's InvalidArgument naming a
 * field reaches the caller unchanged.
 */
export function relayService<S extends DescService>(service: S, upstream: Client<S>): ServiceImpl<S> {
  const impl: Record<string, (input: unknown, ctx: HandlerContext) => unknown> = {};
  for (const method of service.methods) {
    const call = (upstream as Record<string, (input: unknown, options: CallOptions) => unknown>)[method.localName]!;
    impl[method.localName] = (input, ctx) => call(input, forwardOptions(ctx));
  }
  return impl as ServiceImpl<S>;
}
