import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';

/** What happened when a service's own `loadConfig` ran on a manifest's environment. */
export interface ConfigProbe {
  /** Every variable name the configuration code looked up (read or tested for). */
  readonly read: ReadonlySet<string>;
  /** The parsed configuration, or undefined when loadConfig threw. */
  readonly config: Record<string, unknown> | undefined;
  /** The problems loadConfig reported (a ConfigError's `problems`), or the error text. */
  readonly problems: readonly string[];
}

type LoadConfig = (env: NodeJS.ProcessEnv) => Record<string, unknown>;
type StartTelemetry = (options: { service: string; env: NodeJS.ProcessEnv }) => Promise<{ shutdown(): Promise<void> }>;

/** A copy of `env` that adds every name looked up to `read`. */
function recordingEnv(env: Record<string, string>, read: Set<string>): NodeJS.ProcessEnv {
  const record = (name: string | symbol): void => {
    if (typeof name === 'string') read.add(name);
  };
  return new Proxy({ ...env }, {
    get: (target, name) => (record(name), Reflect.get(target, name)),
    has: (target, name) => (record(name), Reflect.has(target, name)),
    // Listing the environment would make every name count as "read" and the check vacuous.
    ownKeys: () => {
      throw new Error('the environment was enumerated; read variables by name so they can be checked');
    },
  });
}

async function importBuilt<T>(...segments: string[]): Promise<T> {
  const file = path.join(repoRoot, ...segments);
  if (!existsSync(file)) throw new Error(`${file} does not exist: build first (npm run build at the root)`);
  return (await import(pathToFileURL(file).href)) as T;
}

/**
 * Runs `services/<service>/dist/config.js`'s `loadConfig` (the only code that reads a service's
 * own settings) on `env`, recording every name it looks up. Reads the built output, as the image
 * runs it. Throws when the build output is missing: a deploy check must never pass by skipping.
 */
export async function probeServiceConfig(service: string, env: Record<string, string>): Promise<ConfigProbe> {
  const { loadConfig } = await importBuilt<{ loadConfig?: LoadConfig }>('services', service, 'dist', 'config.js');
  if (typeof loadConfig !== 'function') throw new Error(`services/${service}/dist/config.js does not export loadConfig(env)`);
  const read = new Set<string>();
  try {
    return { read, config: loadConfig(recordingEnv(env, read)), problems: [] };
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    return { read, config: undefined, problems: Array.isArray(problems) ? problems.map(String) : [String(error)] };
  }
}

/**
 * The names `startTelemetry` (libs/telemetry, the other reader of a service's environment: the
 * Kubernetes pod attributes and the OTLP settings) looks up in `env`. Exporter endpoints are left
 * out so the probe starts no exporter; those are OTEL_* variables, which the SDK reads anyway.
 */
export async function probeTelemetry(service: string, env: Record<string, string>): Promise<ReadonlySet<string>> {
  const { startTelemetry } = await importBuilt<{ startTelemetry: StartTelemetry }>('libs', 'telemetry', 'dist', 'index.js');
  const quiet = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OTEL_EXPORTER_OTLP_')));
  const read = new Set<string>();
  const telemetry = await startTelemetry({ service, env: recordingEnv(quiet, read) });
  await telemetry.shutdown();
  return read;
}
