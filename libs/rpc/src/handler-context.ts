import { createHandlerContext, type HandlerContext } from '@connectrpc/connect';
import type { DescMethod, DescService } from '@bufbuild/protobuf';

/** A HandlerContext the adapter can end, so its deadline timer and signal are released. @internal */
export type EndableHandlerContext = HandlerContext & { abort(reason?: unknown): void };

/**
 * Builds a Connect HandlerContext for a call that did not come through a Connect router (the
 * grpc-js data-plane server), so one handler implementation serves both server stacks.
 * @internal
 */
export function createCallContext(init: {
  service: DescService;
  method: DescMethod;
  timeoutMs: number | undefined;
  requestSignal: AbortSignal;
  shutdownSignal: AbortSignal;
  requestHeader: Headers;
}): EndableHandlerContext {
  return createHandlerContext({
    service: init.service,
    method: init.method,
    protocolName: 'grpc',
    requestMethod: 'POST',
    url: `/${init.service.typeName}/${init.method.name}`,
    timeoutMs: init.timeoutMs,
    requestSignal: init.requestSignal,
    shutdownSignal: init.shutdownSignal,
    requestHeader: init.requestHeader,
  }) as EndableHandlerContext;
}
