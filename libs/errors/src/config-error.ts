import { WeftError } from './weft-error.js';

/** A service's configuration is invalid. `problems` lists every bad variable, one line each. */
export class ConfigError extends WeftError {
  readonly kind = 'config-invalid' as const;

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** True when `value` is a {@link ConfigError}. */
export function isConfigError(value: unknown): value is ConfigError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'config-invalid';
}
