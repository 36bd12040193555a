// Weft's function registry, the SDK's defineJob/defineFunction, the built-in jobs, and the pure
// map/reduce task cores that worker threads and runLocally share.
export { defineJob, defineFunction, isJobDefinition, isFunctionDefinition } from './definitions.js';
export type { JobDefinition, FunctionDefinition, FunctionContext, MapContext, ReduceContext, MapBytes, InputPieces } from './definitions.js';
export { createAllowedFetch, checkAllowedUrl, isAllowedHost, defaultAllowedHosts } from './allowed-fetch.js';
export type { AllowedFetch } from './allowed-fetch.js';
export { validateParams } from './params.js';
export type { ParamType, ParamSpec, ParamsSchema } from './params.js';
export { prepareParams } from './prepare-params.js';
export { FunctionRegistry, BUILTIN_SOURCE } from './function-registry.js';
export type { RegisteredFunction } from './function-registry.js';
export { runLocally } from './run-locally.js';
export { invokeFunction, errorForAbort } from './invoke-function.js';
export { wordcount, sumOfSquares, grep, invertedIndex, countPrimes, echo, sleep, httpGet } from './builtins/index.js';
export type { HttpGetResult } from './builtins/http-get.js';
export { countPrimesBelow } from './builtins/count-primes.js';
export { splitWords } from './builtins/split-words.js';

// Task cores, for libs/pool's worker thread.
export { runMapTask } from './map-task.js';
export { FileRangeLines, fileRangeBounds } from './file-range-lines.js';
export { runReduceTask, runReduceFilesTask } from './reduce-task.js';
export type { ReduceTaskOutput, ReduceFilesTaskOutput } from './reduce-task.js';
export { runMergeTask } from './merge-task.js';
export type { MergeTaskOutput } from './merge-task.js';
export { MapCollector } from './map-collector.js';
export type { MapTaskOptions, MapTaskOutput } from './map-collector.js';
export type { TaskCounts } from './task-stats.js';
