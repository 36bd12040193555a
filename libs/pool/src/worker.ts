// The worker-thread side of the pool: one registry per thread (built-ins plus the configured
// function modules), then map, reduce and function tasks. Every outcome goes back as an envelope,
// because a thrown error loses its class and fields crossing threads.
import { toErrorEnvelope, UserCodeError } from '@weft/errors';
import { FileRangeLines, FunctionRegistry, invokeFunction, prepareParams, runMapTask, runMergeTask, runReduceFilesTask, runReduceTask, type FunctionDefinition } from '@weft/jobs';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import type { JobTraits, MapResult, ReduceFilesResult, ReduceResult, WorkerReply, WorkerTask } from './task-types.js';

const registryReady = loadRegistry((workerData as { functionModules?: string[] } | undefined)?.functionModules ?? []);
// A module that fails to load must fail each task with its message, not kill the thread at start
// (piscina stops replacing threads that fail while booting).
registryReady.catch(() => undefined);

async function loadRegistry(modules: string[]): Promise<FunctionRegistry> {
  const registry = FunctionRegistry.withBuiltins();
  await registry.loadModules(modules);
  return registry;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs one task; piscina calls this per message. */
export default async function runTask(task: WorkerTask): Promise<unknown> {
  const started = now();
  try {
    const registry = await registryReady;
    switch (task.type) {
      case 'map': {
        const { work } = task;
        const job = registry.getJob(work.job);
        const params = prepareParams(job, work.params, 'params');
        // A file split is read here, piece by piece into one reused buffer, while the map runs.
        const input = work.input instanceof Uint8Array ? work.input : new FileRangeLines(work.input.path, work.input.start, work.input.end);
        const output = runMapTask(job, input, {
          params,
          partitions: work.partitions,
          inputLabel: work.inputLabel,
          firstLine: work.firstLine,
          inputOffset: input instanceof FileRangeLines ? input.firstLineOffset() : work.inputOffset,
          skipBadRecords: work.skipBadRecords,
        });
        const value: MapResult = { ...output, workerStartedMs: started, workerEndedMs: now() };
        return moveReply(value, output.partitions);
      }
      case 'reduce': {
        const { work } = task;
        const job = registry.getJob(work.job);
        const output = runReduceTask(job, work.runs, prepareParams(job, work.params, 'params'));
        const value: ReduceResult = { ...output, workerStartedMs: started, workerEndedMs: now() };
        return moveReply(value, [output.output]);
      }
      case 'reduce-files': {
        const { work } = task;
        const job = registry.getJob(work.job);
        const output = runReduceFilesTask(job, work.runs, work.files, work.outputFile, prepareParams(job, work.params, 'params'));
        return { ok: true, value: { ...output, workerStartedMs: started, workerEndedMs: now() } satisfies ReduceFilesResult } satisfies WorkerReply<ReduceFilesResult>;
      }
      case 'merge': {
        const output = runMergeTask(registry.getJob(task.work.job), task.work.runs);
        return moveReply(output, [output.output]);
      }
      case 'describe-job': {
        const job = registry.getJob(task.job);
        return { ok: true, value: { combines: job.combine !== undefined } } satisfies WorkerReply<JobTraits>;
      }
      case 'function': {
        const fn = registry.getFunction(task.name);
        const params = prepareParams(fn, task.params, 'params');
        return { ok: true, value: await callFunction(fn, task.input, params) } satisfies WorkerReply<unknown>;
      }
    }
  } catch (error) {
    return { ok: false, error: toErrorEnvelope(error) } satisfies WorkerReply<never>;
  }
}

/**
 * Runs a scatter function (errors as `invokeFunction` makes them). A result that cannot be
 * structured-cloned would crash the thread when posted, so it is checked here and reported instead.
 */
async function callFunction(fn: FunctionDefinition, input: unknown, params: Record<string, unknown>): Promise<unknown> {
  // The thread is terminated to abort a task, so the function's own signal never fires here.
  const value = await invokeFunction(fn, input, { params, signal: new AbortController().signal });
  if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'symbol') {
    try {
      structuredClone(value);
    } catch (error) {
      throw new UserCodeError(`function ${fn.name} returned a value that cannot leave its thread: ${(error as Error).message}`, '');
    }
  }
  return value;
}

/** Wraps a reply so piscina transfers the result buffers instead of copying them. */
function moveReply<T>(value: T, buffers: Uint8Array[]): unknown {
  const reply: WorkerReply<T> = { ok: true, value };
  return move({
    [transferableSymbol]: [...new Set(buffers.map((b) => b.buffer))],
    [valueSymbol]: reply,
  } as never);
}
