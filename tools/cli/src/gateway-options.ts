import type { Command } from 'commander';
import { createWeftClient } from '@weft/client';
import type { WeftClient } from '@weft/client';
import type { CliIo } from './cli-io.js';
import type { CommandContext } from './command-context.js';
import { UsageError } from './exit-codes.js';

/** The gateway URL used when neither --gateway nor WEFT_GATEWAY is given (`weft dev`'s default). */
export const defaultGateway = 'http://127.0.0.1:8080';

/** Options every command that calls the gateway takes. */
export interface GatewayOptions {
  readonly gateway?: string;
  readonly token?: string;
}

/** Adds --gateway and --token to a command. */
export function withGatewayOptions(cmd: Command): Command {
  return cmd
    .option('--gateway <url>', `gateway URL (default: $WEFT_GATEWAY, else ${defaultGateway})`)
    .option('--token <token>', 'bearer token, when the gateway requires one (default: $WEFT_TOKEN)');
}

/** Where a command's calls go: --gateway, else WEFT_GATEWAY, else the local default. */
export function resolveGateway(opts: GatewayOptions, io: CliIo): string {
  return (opts.gateway ?? io.env.WEFT_GATEWAY ?? defaultGateway).replace(/\/+$/, '');
}

/**
 * A client for the command's gateway (over `state.transport` when set). Records the URL on
 * `state` so an "unreachable" error can name it. Throws a `UsageError` for a URL that is not http(s).
 */
export function clientFor(opts: GatewayOptions, io: CliIo, state: CommandContext): WeftClient {
  const url = resolveGateway(opts, io);
  state.gateway = url;
  const transport = state.transport;
  const token = opts.token ?? io.env.WEFT_TOKEN;
  try {
    // Interactive use: give up on an unreachable gateway after ~1.5 s rather than the default.
    return createWeftClient({ url, token: token || undefined, transport, retry: { maxAttempts: 3, initialDelayMs: 250 } });
  } catch (err) {
    throw new UsageError(`--gateway: ${(err as Error).message.replace('options.url', 'the gateway URL')}`);
  }
}
