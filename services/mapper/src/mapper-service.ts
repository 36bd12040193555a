import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { InvalidArgumentError } from '@weft/errors';
import { createAllowedFetch, type AllowedFetch } from '@weft/jobs';
import type { FileSplit, TaskPool } from '@weft/pool';
import type { MapperService} from '@weft/proto/cluster';
import { type MapTaskSpec, type RunMapTaskRequest, type RunMapTaskResponseSchema, type StreamPartitionResponseSchema } from '@weft/proto/cluster';
import { concatBytes } from '@weft/records';
import { streamChunkBytes } from '@weft/rpc';
import { recordThreadSpan, type Logger } from '@weft/telemetry';
import { trace } from '@opentelemetry/api';
import type { MapOutputStore } from './map-output-store.js';
import { readUrl } from './read-url.js';

/** Counters the heartbeat reports. */
export interface MapperStats {
  tasksCompleted: number;
}

/**
 * weft.cluster.v1.MapperService: runs map task attempts on the worker-thread pool and serves the
 * partitioned output to reducers (the shuffle's server side).
 */
export function createMapperService(
  pool: TaskPool,
  outputs: MapOutputStore,
  stats: MapperStats,
  log: Logger,
  urls: { fetch: AllowedFetch; maxBytes: number } = { fetch: createAllowedFetch(), maxBytes: 1 << 30 },
): Omit<ServiceImpl<typeof MapperService>, 'runScatterItems'> {
  return {
    async *runMapTask(requests, ctx): AsyncGenerator<MessageInitShape<typeof RunMapTaskResponseSchema>> {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.kind.case !== 'spec') throw new InvalidArgumentError('kind', 'of the first RunMapTask message must be spec');
      const spec = first.value.kind.value;
      const task = spec.task;
      if (!task?.jobId || !task.taskId) throw new InvalidArgumentError('spec.task', 'must name a job and a task');
      const taskAttributes = { 'weft.job.id': task.jobId, 'weft.task.id': task.taskId, 'weft.task.attempt': task.attempt };
      trace.getActiveSpan()?.setAttributes(taskAttributes);
      yield { kind: { case: 'started', value: true } };

      const { input, offset } = await readInput(spec, iterator, urls, ctx.signal);
      const started = Date.now();
      const result = await pool.runMap(
        {
          job: spec.function,
          params: JSON.parse(spec.paramsJson || '{}') as Record<string, unknown>,
          partitions: spec.partitions,
          input,
          inputLabel: spec.inputLabel,
          inputOffset: offset,
          firstLine: Number(spec.firstLine || 1n),
          skipBadRecords: spec.skipBadRecords,
        },
        // A file split is read by the worker thread; a buffer is this call's own (a URL body or joined chunks): moved whole, never copied.
        { signal: ctx.signal, inputOwnsBuffer: true },
      );
      recordThreadSpan('map worker thread', result.workerStartedMs, result.workerEndedMs, { ...taskAttributes, 'weft.records.in': result.recordsIn, 'weft.records.out': result.recordsOut, 'weft.bytes.in': result.bytesIn, 'weft.bytes.out': result.bytesOut });
      const kept = await outputs.put(task.jobId, task.taskId, task.attempt, result.partitions);
      // Spilling is the moment a map task's output left memory: visible on its span in the trace.
      if (kept.spilled) trace.getActiveSpan()?.addEvent('spill', { 'weft.spill.bytes': kept.bytes, 'weft.spill.held_on_disk_bytes': outputs.spilledBytes });
      stats.tasksCompleted += 1;
      log.debug({ jobId: task.jobId, taskId: task.taskId, attempt: task.attempt, recordsIn: result.recordsIn, ms: Date.now() - started }, 'map task done');
      yield {
        kind: {
          case: 'result',
          value: {
            counters: {
              recordsIn: BigInt(result.recordsIn),
              bytesIn: BigInt(result.bytesIn),
              recordsOut: BigInt(result.recordsOut),
              bytesOut: BigInt(result.bytesOut),
              skippedRecords: BigInt(result.skippedRecords),
              user: Object.fromEntries(Object.entries(result.userCounters).map(([k, v]) => [k, BigInt(v)])),
              workerStartedMs: result.workerStartedMs,
              workerEndedMs: result.workerEndedMs,
            },
            partitionBytes: result.partitions.map((p) => BigInt(p.byteLength)),
            partitionRecords: result.partitionRecords.map((n) => BigInt(n)),
          },
        },
      };
    },

    async *streamPartition(request): AsyncGenerator<MessageInitShape<typeof StreamPartitionResponseSchema>> {
      for await (const data of outputs.chunks(request.jobId, request.taskId, request.attempt, request.partition, streamChunkBytes)) yield { data };
    },
  };
}

/**
 * The task's input: a URL body, streamed chunks up to `end`, or the file split the worker thread reads itself; and its
 * byte offset in its file (a split's is found by the worker; streamed lines the coordinator read from a file say theirs).
 */
async function readInput(spec: MapTaskSpec, rest: AsyncIterator<RunMapTaskRequest>, urls: { fetch: AllowedFetch; maxBytes: number }, signal: AbortSignal): Promise<{ input: Uint8Array | FileSplit; offset: number }> {
  if (spec.input.case === 'url') return { input: await readUrl(urls.fetch, spec.input.value, urls.maxBytes, signal), offset: 0 };
  if (spec.input.case === 'file') {
    const { path, start, end } = spec.input.value;
    return { input: { path, start: Number(start), end: Number(end) }, offset: 0 };
  }
  return { input: await readStreamed(rest, Number(spec.inputBytes)), offset: Number(spec.inputOffset) };
}

/** Largest `input_bytes` allocated up front (1 GiB): a larger one is read as if unknown, so a wrong size costs at most that. */
const maxPresizedBytes = 2 ** 30;

/**
 * The streamed input's bytes, in one buffer. With its size known (`sizeHint`), each chunk is copied
 * in as it arrives and dropped, so a split is held once (joining kept chunks at the end held it
 * twice: a 128 MiB split sent by the coordinator raised a mapper's peak RSS by ~500 MiB); chunks
 * beyond the size, or an unknown size, fall back to keeping the chunks and joining them.
 */
export async function readStreamed(rest: AsyncIterator<RunMapTaskRequest>, sizeHint: number): Promise<Uint8Array> {
  const buffer = sizeHint > 0 && sizeHint <= maxPresizedBytes ? new Uint8Array(sizeHint) : undefined;
  let filled = 0;
  const chunks: Uint8Array[] = [];
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    if (next.value.kind.case === 'end') break;
    if (next.value.kind.case !== 'chunk') continue;
    const chunk = next.value.kind.value;
    if (buffer && chunks.length === 0 && filled + chunk.byteLength <= buffer.byteLength) {
      buffer.set(chunk, filled);
      filled += chunk.byteLength;
    } else {
      if (buffer && chunks.length === 0 && filled > 0) chunks.push(buffer.subarray(0, filled));
      chunks.push(chunk);
    }
  }
  if (chunks.length > 0) return concatBytes(chunks);
  return buffer ? buffer.subarray(0, filled) : new Uint8Array(0);
}
