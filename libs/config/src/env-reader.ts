import { ConfigError } from '@weft/errors';

/**
 * Typed readers for environment variables. Each reader records problems instead of throwing, so
 * {@link EnvReader.assertValid} can report every bad variable at once (start-up fails fast, and
 * fails once). Blank values count as unset, as in OpenTelemetry's env readers.
 */
export interface EnvReader {
  /** A string; `fallback` undefined makes the variable required. */
  string(name: string, fallback?: string): string;
  /** A TCP port 0..65535 (0 = let the OS choose). */
  port(name: string, fallback?: number): number;
  /** An integer within [min, max]. */
  int(name: string, fallback?: number, range?: { min?: number; max?: number }): number;
  /** A finite decimal number within [min, max], e.g. `0.25`. */
  number(name: string, fallback?: number, range?: { min?: number; max?: number }): number;
  /** `true/false/1/0/yes/no`. */
  bool(name: string, fallback?: boolean): boolean;
  /** An absolute http(s) URL, without a trailing slash. */
  url(name: string, fallback?: string): string;
  /** A duration such as `250ms`, `30s`, `5m` or a plain number of milliseconds; returns milliseconds. */
  durationMs(name: string, fallback?: string): number;
  /** A byte size such as `64MiB`, `512KB`, `1GB` or a plain number of bytes; returns bytes. */
  bytes(name: string, fallback?: string): number;
  /** A comma-separated list; blank items are dropped. */
  list(name: string, fallback?: readonly string[]): string[];
  /** One of a fixed set of values. */
  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T;
  /** Records a problem that spans several variables (e.g. one that needs another set). */
  problem(message: string): void;
  /** Throws a {@link ConfigError} listing every problem found so far. */
  assertValid(): void;
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const byteUnits: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** Parses `30s`-style durations into milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * durationUnits[(match[2] ?? 'ms').toLowerCase()]!);
}

/** Parses `64MiB`-style sizes into bytes; undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = byteUnits[(match[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}

/** Creates a reader over `env` (pass your own object in tests; only `main.ts` passes process.env). */
export function createEnvReader(env: NodeJS.ProcessEnv): EnvReader {
  const problems: string[] = [];

  function raw(name: string): string | undefined {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  function read<T>(name: string, fallback: T | undefined, parse: (text: string) => T | undefined, expected: string, zero: T): T {
    const text = raw(name);
    if (text === undefined) {
      if (fallback === undefined) {
        problems.push(`${name} is required (${expected})`);
        return zero;
      }
      return fallback;
    }
    const value = parse(text);
    if (value === undefined) {
      problems.push(`${name} must be ${expected}, got "${text}"`);
      return fallback ?? zero;
    }
    return value;
  }

  const reader: EnvReader = {
    string: (name, fallback) => read(name, fallback, (t) => t, 'a string', ''),
    port: (name, fallback) =>
      read(name, fallback, (t) => (/^\d+$/.test(t) && Number(t) <= 65535 ? Number(t) : undefined), 'a port number 0-65535', 0),
    int: (name, fallback, range = {}) => {
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      return read(name, fallback, (t) => (/^-?\d+$/.test(t) && Number(t) >= min && Number(t) <= max ? Number(t) : undefined), `an integer from ${min} to ${max}`, 0);
    },
    number: (name, fallback, range = {}) => {
      const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = range;
      return read(name, fallback, (t) => (/^-?\d+(\.\d+)?$/.test(t) && Number(t) >= min && Number(t) <= max ? Number(t) : undefined), `a number from ${min} to ${max}`, 0);
    },
    bool: (name, fallback) =>
      read(name, fallback, (t) => ({ true: true, '1': true, yes: true, false: false, '0': false, no: false })[t.toLowerCase()], 'true or false', false),
    url: (name, fallback) =>
      read(name, fallback, (t) => {
        try {
          const url = new URL(t);
          return url.protocol === 'http:' || url.protocol === 'https:' ? t.replace(/\/+$/, '') : undefined;
        } catch {
          return undefined;
        }
      }, 'an http(s) URL', ''),
    durationMs: (name, fallback) => {
      const parsedFallback = fallback === undefined ? undefined : parseDurationMs(fallback);
      return read(name, parsedFallback, parseDurationMs, 'a duration like 500ms, 30s or 5m', 0);
    },
    bytes: (name, fallback) => {
      const parsedFallback = fallback === undefined ? undefined : parseBytes(fallback);
      return read(name, parsedFallback, parseBytes, 'a size like 64MiB or 512KB', 0);
    },
    list: (name, fallback) =>
      read(name, fallback ? [...fallback] : undefined, (t) => t.split(',').map((s) => s.trim()).filter(Boolean), 'a comma-separated list', []),
    oneOf: (name, values, fallback) =>
      read(name, fallback, (t) => values.find((v) => v === t), `one of ${values.join(', ')}`, values[0]!),
    problem: (message) => {
      problems.push(message);
    },
    assertValid: () => {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
  return reader;
}
