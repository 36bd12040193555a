// The worker_threads pool (piscina) that runs map, reduce and CPU scatter-function bodies.
export { TaskPool } from './task-pool.js';
export type { TaskPoolOptions } from './task-pool.js';
export type { FileSplit, JobTraits, MapWork, MapResult, MergeResult, ReduceWork, ReduceResult, ReduceFilesWork, ReduceFilesResult, TaskStats } from './task-types.js';
