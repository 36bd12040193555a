import { readResultRecords } from '@weft/records';
import type { JobDefinition } from './definitions.js';
import { MapCollector } from './map-collector.js';
import { validateParams } from './params.js';
import { runReduceTask } from './reduce-task.js';

/** Lines per simulated map task, so the merge sees several runs per partition as in a cluster. */
const LINES_PER_TASK = 50_000;

/**
 * Spark's "local mode": runs a job in-process, no threads, through the same map, combine,
 * partition, sort, merge and reduce code the cluster uses. Returns key → reduced value, in key order.
 * @param options.params job parameters (validated, defaults filled; default `{}`).
 * @param options.partitions reduce partitions (default 1).
 * @throws InvalidArgumentError for bad params; UserCodeError when map or reduce throws
 *   (location `local input line N`, 0-based).
 */
export function runLocally<R>(
  job: JobDefinition<any, R>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any value type
  lines: Iterable<string>,
  options: { params?: object; partitions?: number } = {},
): Map<string, R> {
  const params = validateParams(job.params, options.params, 'params', job.name);
  job.validate?.(params);
  const partitions = options.partitions ?? 1;
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);

  const runsByPartition: Uint8Array[][] = Array.from({ length: partitions }, () => []);
  let collector: MapCollector<unknown> | undefined;
  let firstLine = 0;
  let index = 0;
  const flush = (): void => {
    if (!collector) return;
    collector.finish().partitions.forEach((run, p) => runsByPartition[p]!.push(run));
    collector = undefined;
  };
  for (const line of lines) {
    if (index === LINES_PER_TASK) {
      flush();
      firstLine += index;
      index = 0;
    }
    collector ??= new MapCollector(job, { params, partitions, inputLabel: 'local input', firstLine, skipBadRecords: false });
    collector.mapLine(line, index++);
  }
  flush();

  const results: Array<[string, R]> = [];
  for (const runs of runsByPartition) {
    const { output } = runReduceTask(job, runs, params);
    for (const [key, value] of readResultRecords(output, job.results)) results.push([key, value as R]);
  }
  // Partitions are in UTF-8 byte order of their keys; the map is in JS string order, as the runs.
  results.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Map(results);
}
