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

/**
 * Runs `services/<service>/dist/config.js`'s `loadConfig` (the only code that reads a service's
 * environment) on `env`, recording every name it looks up. Reads the built output, as the image
 * runs it. Throws when the build output is missing: a deploy check must never pass by skipping.
 */
export async function probeServiceConfig(service: string, env: Record<string, string>): Promise<ConfigProbe> {
  const file = path.join(repoRoot, 'services', service, 'dist', 'config.js');
  if (!existsSync(file)) throw new Error(`${file} does not exist: build the services first (npm run build at the root)`);
  const module = (await import(pathToFileURL(file).href)) as { loadConfig?: LoadConfig };
  if (typeof module.loadConfig !== 'function') throw new Error(`${file} does not export loadConfig(env)`);

  const read = new Set<string>();
  const record = (name: string | symbol): void => {
    if (typeof name === 'string') read.add(name);
  };
  const recording = new Proxy({ ...env }, {
    get: (target, name) => (record(name), Reflect.get(target, name)),
    has: (target, name) => (record(name), Reflect.has(target, name)),
    // Listing the environment would make every name count as "read" and the check vacuous.
    ownKeys: () => {
      throw new Error('loadConfig enumerated the environment; read variables by name so they can be checked');
    },
  });
  try {
    return { read, config: module.loadConfig(recording), problems: [] };
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    return { read, config: undefined, problems: Array.isArray(problems) ? problems.map(String) : [String(error)] };
  }
}
