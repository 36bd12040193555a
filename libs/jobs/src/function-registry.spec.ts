import { fileURLToPath } from 'node:url';
import { isFunctionNotFoundError } from '@weft/errors';
import { defineJob, defineFunction } from './definitions.js';
import { FunctionRegistry } from './function-registry.js';
import { wordcount } from './builtins/wordcount.js';

const fixture = fileURLToPath(new URL('./__fixtures__/extra-jobs.ts', import.meta.url));

describe('FunctionRegistry', () => {
  it('withBuiltins lists every built-in, functions first, then jobs, by name', () => {
    const rows = FunctionRegistry.withBuiltins().list();
    expect(rows.map((r) => `${r.kind}:${r.name}:${r.executor}:${r.source}`)).toEqual([
      'function:count-primes:cpu:builtin', 'function:echo:io:builtin', 'function:http-get:io:builtin', 'function:sleep:io:builtin',
      'job:grep:cpu:builtin', 'job:inverted-index:cpu:builtin', 'job:sum-of-squares:cpu:builtin', 'job:wordcount:cpu:builtin',
    ]);
    expect(rows.find((r) => r.name === 'grep')!.params['pattern']).toMatchObject({ type: 'string', required: true });
    // Every built-in scatter function may run an item twice; jobs never claim it.
    expect(rows.filter((r) => r.idempotent).map((r) => r.name)).toEqual(['count-primes', 'echo', 'http-get', 'sleep']);
  });

  it('finds jobs and functions only under their own kind', () => {
    const registry = FunctionRegistry.withBuiltins();
    expect(registry.getJob('wordcount')).toBe(wordcount);
    expect(registry.getFunction('echo').name).toBe('echo');
    expect(() => registry.getJob('echo')).toThrow('no job named "echo" is registered');
    expect(() => registry.getFunction('wordcount')).toThrow('no function named "wordcount" is registered');
    try {
      registry.getJob('nope');
    } catch (error) {
      expect(isFunctionNotFoundError(error)).toBe(true);
    }
  });

  it('rejects duplicate names and non-definitions', () => {
    const registry = FunctionRegistry.withBuiltins();
    expect(() => registry.register({ ...wordcount }, 'mine.js')).toThrow('a job named "wordcount" is already registered (from builtin); cannot register another from mine.js');
    expect(() => registry.register({ name: 'x' } as never)).toThrow(TypeError);
  });

  it('loadModules registers every exported definition once, with the path as source', async () => {
    const registry = FunctionRegistry.withBuiltins();
    await registry.loadModules([fixture]);
    expect(registry.getJob('shout').description).toBe('counts upper-cased lines');
    expect(registry.getFunction('double').executor).toBe('cpu');
    expect(registry.list().filter((r) => r.source === fixture).map((r) => r.name)).toEqual(['double', 'shout']);
  });

  it('loadModules names a module that cannot be loaded', async () => {
    await expect(new FunctionRegistry().loadModules(['/nonexistent/jobs.js'])).rejects.toThrow(/^cannot load function module \/nonexistent\/jobs.js: /);
  });
});

describe('defineJob / defineFunction', () => {
  it('check names, codecs and executors', () => {
    const base = { description: '', params: {}, map: () => undefined, reduce: () => 0 };
    expect(() => defineJob({ ...base, name: 'bad name', values: 'int', results: 'int' })).toThrow(TypeError);
    expect(() => defineJob({ ...base, name: 'ok', values: 'float' as never, results: 'int' })).toThrow('job ok: values must be one of int, bigint, json, got "float"');
    expect(() => defineFunction({ name: 'f', description: '', params: {}, executor: 'gpu' as never, run: () => 1 })).toThrow(/executor must be/);
    expect(() => defineFunction({ name: 'f', description: '', params: {}, executor: 'io', idempotent: 'yes' as never, run: () => 1 })).toThrow('function f: idempotent must be a boolean, got "yes"');
    expect(defineFunction({ name: 'f', description: '', params: {}, executor: 'io', run: () => 1 }).idempotent).toBeUndefined();
    expect(FunctionRegistry.withBuiltins().getFunction('echo').idempotent).toBe(true);
    expect(defineJob({ ...base, name: 'ok', values: 'int', results: 'json' }).kind).toBe('job');
  });
});
