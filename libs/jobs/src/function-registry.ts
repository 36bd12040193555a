import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FunctionNotFoundError } from '@weft/errors';
import { builtinDefinitions } from './builtins/index.js';
import { isFunctionDefinition, isJobDefinition, type FunctionDefinition, type JobDefinition } from './definitions.js';
import type { ParamsSchema } from './params.js';

/** One row of {@link FunctionRegistry.list}. */
export interface RegisteredFunction {
  name: string;
  kind: 'job' | 'function';
  /** Jobs always run on the worker pool (`cpu`). */
  executor: 'cpu' | 'io';
  description: string;
  params: ParamsSchema;
  /** `builtin`, the module path it was loaded from, or what `register` was given. */
  source: string;
  /** A scatter function declared `idempotent` (an item may run twice); false for jobs. */
  idempotent: boolean;
}

type AnyDefinition = JobDefinition | FunctionDefinition;

/** The source recorded for the built-in jobs and functions. */
export const BUILTIN_SOURCE = 'builtin';

/**
 * The jobs and scatter functions a node can run, by name. Every node builds the same registry at
 * start (built-ins plus the configured function modules); requests only name functions, they
 * never carry code.
 */
export class FunctionRegistry {
  private readonly entries = new Map<string, { def: AnyDefinition; source: string }>();

  /** A registry holding the built-ins: wordcount, sum-of-squares, grep, inverted-index, count-primes, echo, sleep, http-get. */
  static withBuiltins(): FunctionRegistry {
    const registry = new FunctionRegistry();
    for (const def of builtinDefinitions) registry.register(def, BUILTIN_SOURCE);
    return registry;
  }

  /**
   * Adds a job or function.
   * @param source where it came from, shown by `list()` (default `inline`).
   * @throws Error when the name is taken; TypeError when `def` is not a definition.
   */
  register(def: JobDefinition | FunctionDefinition, source = 'inline'): void {
    if (!isJobDefinition(def) && !isFunctionDefinition(def)) {
      throw new TypeError(`not a job or function definition (from ${source}): use defineJob or defineFunction`);
    }
    const existing = this.entries.get(def.name);
    if (existing) {
      throw new Error(`a ${existing.def.kind} named "${def.name}" is already registered (from ${existing.source}); cannot register another from ${source}`);
    }
    this.entries.set(def.name, { def, source });
  }

  /** The job named `name`. @throws FunctionNotFoundError when there is none (or it is a scatter function). */
  getJob(name: string): JobDefinition {
    const def = this.entries.get(name)?.def;
    if (!def || def.kind !== 'job') throw new FunctionNotFoundError(`no job named "${name}" is registered`);
    return def;
  }

  /** The scatter function named `name`. @throws FunctionNotFoundError when there is none (or it is a job). */
  getFunction(name: string): FunctionDefinition {
    const def = this.entries.get(name)?.def;
    if (!def || def.kind !== 'function') throw new FunctionNotFoundError(`no function named "${name}" is registered`);
    return def;
  }

  /** Everything registered, sorted by kind (`function` before `job`) then name. */
  list(): RegisteredFunction[] {
    return [...this.entries.values()]
      .map(({ def, source }) => ({
        name: def.name,
        kind: def.kind,
        executor: def.kind === 'job' ? ('cpu' as const) : def.executor,
        description: def.description,
        params: def.params,
        source,
        idempotent: def.kind === 'function' && def.idempotent === true,
      }))
      .sort((a, b) => (a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Imports each module and registers every exported job and function definition (recognised by
   * `kind`), with the path as source. Paths may be file paths (relative ones resolve against the
   * working directory), `file:` URLs or package names.
   * @throws Error naming the path when a module fails to load or exports no definition;
   *   Error on a duplicate name.
   */
  async loadModules(paths: string[]): Promise<void> {
    for (const path of paths) {
      let exports: Record<string, unknown>;
      try {
        exports = (await import(toSpecifier(path))) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`cannot load function module ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const defs = new Set<AnyDefinition>();
      for (const value of Object.values(exports)) {
        if (isJobDefinition(value) || isFunctionDefinition(value)) defs.add(value); // a Set: default + named export of one def
      }
      if (defs.size === 0) throw new Error(`function module ${path} exports no job or function (use defineJob / defineFunction)`);
      for (const def of defs) this.register(def, path);
    }
  }
}

function toSpecifier(path: string): string {
  if (/^(file|data|node):/.test(path)) return path;
  if (path.startsWith('.') || isAbsolute(path)) return pathToFileURL(resolve(path)).href;
  return path; // a package name
}
