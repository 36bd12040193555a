import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { InvalidArgumentError } from '@weft/errors';
import type { TaskPool } from '@weft/pool';
import type { ReducerService} from '@weft/proto/cluster';
import { type MapOutputLocation, type RunReduceTaskResponseSchema } from '@weft/proto/cluster';
import { streamChunkBytes, type ClientFactory } from '@weft/rpc';
import { recordThreadSpan, withSpan, type Logger } from '@weft/telemetry';
import { trace } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fetchPartition } from './fetch-partition.js';
import type { PartitionStreams } from './partition-streams.js';

/** Counters the heartbeat reports. */
export interface ReducerStats {
  tasksCompleted: number;
}

/**
 * weft.cluster.v1.ReducerService: fetches a partition from every mapper, merges the sorted runs
 * and reduces them on the worker-thread pool, and streams the output back in chunks: result
 * records (`@weft/records` ResultWriter), the bytes the coordinator stores as they are.
 */
export function createReducerService(
  pool: TaskPool,
  clients: ClientFactory,
  options: {
    fetchConcurrency: number;
    fetchTimeoutMs: number;
    mergeMemoryBytes: number;
    spillDir?: string;
    mergeWhileFetching?: boolean;
    /** Reads StreamPartition responses itself (h2c mappers only) instead of through `clients`' Connect client. */
    partitionStreams?: PartitionStreams;
  },
  stats: ReducerStats,
  log: Logger,
): ServiceImpl<typeof ReducerService> {
  const partitionStreams = options.partitionStreams;
  const openStream = partitionStreams ? (source: MapOutputLocation, request: Parameters<PartitionStreams['stream']>[1], signal: AbortSignal) => partitionStreams.stream(source.address, request, signal) : undefined;
  return {
    async *runReduceTask(request, ctx): AsyncGenerator<MessageInitShape<typeof RunReduceTaskResponseSchema>> {
      const task = request.task;
      if (!task?.jobId || !task.taskId) throw new InvalidArgumentError('task', 'must name a job and a task');
      const taskAttributes = { 'weft.job.id': task.jobId, 'weft.task.id': task.taskId, 'weft.task.attempt': task.attempt, 'weft.task.partition': request.partition };
      trace.getActiveSpan()?.setAttributes(taskAttributes);
      const started = Date.now();
      const spillDir = options.spillDir;
      const spilled: string[] = [];
      try {
        const unreadable: { source: MapOutputLocation; reason: string }[] = [];
        let fetched: Awaited<ReturnType<typeof fetchPartition>>;
        try {
          fetched = await fetchPartition(clients, task.jobId, request.partition, request.sources, {
            concurrency: options.fetchConcurrency, signal: ctx.signal, timeoutMs: options.fetchTimeoutMs, openStream,
            onFailed: (source, reason) => unreadable.push({ source, reason }),
            memoryBudgetBytes: options.mergeMemoryBytes,
            compact: async (runs) => (await pool.runMerge({ job: request.function, runs }, { signal: ctx.signal })).output,
            // Early merges only pay off when they fold values (a job with a combiner).
            mergeWhileFetching: (options.mergeWhileFetching ?? false) && (await pool.jobTraits(request.function)).combines,
            // With a spill dir, fetches past the budget stream to disk as they arrive and the final reduce streams them.
            spillFile: spillDir
              ? () => {
                  const file = path.join(spillDir, `${randomUUID()}.run`);
                  spilled.push(file);
                  return file;
                }
              : undefined,
          });
        } catch (error) {
          // Name every output that could not be read, so the coordinator recomputes them all before retrying.
          for (const { source, reason } of unreadable) yield { kind: { case: 'fetchFailed', value: { source, message: reason } } };
          throw error;
        }
        const { runs, files, bytes, merges } = fetched;
        const fetchedMs = Date.now();
        // Spilled runs: the worker streams the merge from the files and writes the output to a file,
        // which is streamed back chunk by chunk (never held whole).
        const outputFile = spillDir && files.length > 0 ? path.join(spillDir, `${randomUUID()}.out`) : undefined;
        if (outputFile) spilled.push(outputFile);
        const result = await withSpan('reduce', { ...taskAttributes, 'weft.runs': runs.length + files.length, 'weft.runs.spilled': files.length, 'weft.runs.merged_early': merges, 'weft.bytes.in': bytes }, async (span) => {
          const params = JSON.parse(request.paramsJson || '{}') as Record<string, unknown>;
          const reduced = outputFile
            ? { ...(await pool.runReduceFiles({ job: request.function, params, runs, files, outputFile }, { signal: ctx.signal })), output: undefined }
            : await pool.runReduce({ job: request.function, params, runs }, { signal: ctx.signal });
          span.setAttributes({ 'weft.records.in': reduced.recordsIn, 'weft.records.out': reduced.recordsOut, 'weft.bytes.out': reduced.bytesOut });
          recordThreadSpan('reduce worker thread', reduced.workerStartedMs, reduced.workerEndedMs, { ...taskAttributes, 'weft.records.in': reduced.recordsIn, 'weft.records.out': reduced.recordsOut });
          return reduced;
        });
        if (result.output) {
          for (let offset = 0; offset < result.output.byteLength; offset += streamChunkBytes) {
            yield { kind: { case: 'output', value: result.output.subarray(offset, offset + streamChunkBytes) } };
          }
        } else if (outputFile) {
          for await (const chunk of createReadStream(outputFile, { highWaterMark: streamChunkBytes, signal: ctx.signal })) {
            yield { kind: { case: 'output', value: chunk as Buffer } };
          }
        }
        stats.tasksCompleted += 1;
        log.debug({ jobId: task.jobId, taskId: task.taskId, attempt: task.attempt, shuffleBytes: bytes, fetchMs: fetchedMs - started, reduceMs: Date.now() - fetchedMs }, 'reduce task done');
        yield {
          kind: {
            case: 'result',
            value: {
              shuffleBytes: BigInt(bytes),
              counters: {
                recordsIn: BigInt(result.recordsIn),
                bytesIn: BigInt(result.bytesIn),
                recordsOut: BigInt(result.recordsOut),
                bytesOut: BigInt(result.bytesOut),
                user: Object.fromEntries(Object.entries(result.userCounters).map(([k, v]) => [k, BigInt(v)])),
                workerStartedMs: result.workerStartedMs,
                workerEndedMs: result.workerEndedMs,
              },
            },
          },
        };
      } finally {
        await Promise.all(spilled.map((file) => rm(file, { force: true })));
      }
    },
  };
}
