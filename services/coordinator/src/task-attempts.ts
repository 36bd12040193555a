import { FailedPreconditionError, messageOf, UnavailableError } from '@weft/errors';
import { createReadStream } from 'node:fs';
import { fileRangeBounds } from '@weft/jobs';
import type { ClientFactory } from '@weft/rpc';
import { streamChunkBytes } from '@weft/rpc';
import { MapperService, ReducerService, type MapOutputLocation, type MapTaskResult, type ReduceTaskResult, type TaskRef } from '@weft/proto/cluster';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MapOutputLocationSchema, RunMapTaskRequestSchema, TaskRefSchema } from '@weft/proto/cluster';
import type { MapInput } from './map-planner.js';
import { traceAttempt } from './attempt-span.js';

/**
 * A reduce attempt failed only because a map output it needed could not be fetched (the reducer
 * named it with `fetch_failed`). Neither the reducer nor the reduce task is at fault: the output is
 * recomputed before the next round, so such an attempt counts neither against the reducer's breaker
 * nor against the task's attempts (the recomputation is bounded by the map task's own attempts).
 */
export class InputUnavailableError extends FailedPreconditionError {
  readonly inputUnavailable = true;
}

/** True for an {@link InputUnavailableError}. */
export function isInputUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { inputUnavailable?: unknown }).inputUnavailable === true;
}

/** What every attempt needs to know about its job. */
export interface AttemptJob {
  readonly function: string;
  readonly paramsJson: string;
  readonly partitions: number;
  readonly skipBadRecords: boolean;
  readonly timeoutMs: number;
  /** Stream file splits' lines to the mapper instead of naming the range for it to read (COORDINATOR_SHARED_FILES=false). */
  readonly sendFiles?: boolean;
}

/**
 * Runs one map task attempt on a mapper: sends the spec and, for inline input, the lines as ~1 MiB
 * chunks on the same stream (so too a file split's lines when mappers cannot read the coordinator's
 * files, `job.sendFiles`); the mapper keeps the partitioned output and answers with its sizes.
 */
export async function runMapAttempt(
  clients: ClientFactory,
  address: string,
  task: MessageInitShape<typeof TaskRefSchema>,
  input: MapInput,
  job: AttemptJob,
  signal: AbortSignal,
): Promise<MapTaskResult> {
  const delivery = input.kind === 'file' && job.sendFiles ? 'sent' : input.kind;
  const ref = { phase: 'map', jobId: task.jobId ?? '', taskId: task.taskId ?? '', attempt: task.attempt ?? 0, address, delivery } as const;
  return traceAttempt(ref, () => mapAttempt(clients, address, task, input, job, signal));
}

async function mapAttempt(
  clients: ClientFactory,
  address: string,
  task: MessageInitShape<typeof TaskRefSchema>,
  input: MapInput,
  job: AttemptJob,
  signal: AbortSignal,
): Promise<MapTaskResult> {
  // A file split sent by the coordinator: the bytes of the lines it owns, found before the spec goes (its offset is in it).
  // A file this process cannot read is not the mapper's fault: FAILED_PRECONDITION, which no breaker counts.
  const unreadable = (error: unknown): FailedPreconditionError =>
    new FailedPreconditionError(`input ${input.label} could not be read by the coordinator: ${messageOf(error)}`, { cause: error });
  const sent = input.kind === 'file' && job.sendFiles
    ? await fileRangeBounds(input.path, input.start, input.end).catch((error: unknown) => { throw unreadable(error); })
    : undefined;
  let readError: unknown;
  async function* requests(): AsyncGenerator<MessageInitShape<typeof RunMapTaskRequestSchema>> {
    yield {
      kind: {
        case: 'spec',
        value: {
          task,
          function: job.function,
          paramsJson: job.paramsJson,
          partitions: job.partitions,
          input: input.kind === 'file' && !sent
            ? { case: 'file', value: { path: input.path, start: BigInt(input.start), end: BigInt(input.end) } }
            : input.kind === 'url' ? { case: 'url', value: input.url } : { case: 'streamed', value: true },
          skipBadRecords: job.skipBadRecords,
          timeoutMs: job.timeoutMs,
          inputLabel: input.label,
          firstLine: BigInt(input.kind === 'inline' ? input.firstLine : 1),
          inputOffset: BigInt(sent?.from ?? 0),
          inputBytes: BigInt(sent ? sent.to - sent.from : input.kind === 'inline' ? input.text.byteLength : 0),
        },
      },
    };
    if (input.kind === 'inline') {
      for (let offset = 0; offset < input.text.byteLength; offset += streamChunkBytes) {
        yield { kind: { case: 'chunk', value: input.text.subarray(offset, offset + streamChunkBytes) } };
      }
      yield { kind: { case: 'end', value: true } };
    } else if (input.kind === 'file' && sent) {
      if (sent.to > sent.from) {
        // Each read is a buffer of its own, so the message may hold it until it is written.
        try {
          for await (const chunk of createReadStream(input.path, { start: sent.from, end: sent.to - 1, highWaterMark: streamChunkBytes, signal }) as AsyncIterable<Buffer>) {
            yield { kind: { case: 'chunk', value: chunk } };
          }
        } catch (error) {
          readError = error;
          throw error;
        }
      }
      yield { kind: { case: 'end', value: true } };
    }
  }
  const mapper = clients.client(MapperService, address);
  try {
    for await (const response of mapper.runMapTask(requests(), { signal, timeoutMs: job.timeoutMs || undefined })) {
      if (response.kind.case === 'result') return response.kind.value;
    }
  } catch (error) {
    if (readError !== undefined && !signal.aborted) throw unreadable(readError);
    throw error;
  }
  throw new UnavailableError(`mapper at ${address} ended map task ${task.taskId} without a result`);
}

/** Runs one reduce task attempt: the reducer pulls the partition from every source mapper and streams the reduced run back. */
export async function runReduceAttempt(
  clients: ClientFactory,
  address: string,
  task: MessageInitShape<typeof TaskRefSchema> & Pick<TaskRef, 'taskId'>,
  partition: number,
  sources: MessageInitShape<typeof MapOutputLocationSchema>[],
  job: AttemptJob,
  signal: AbortSignal,
  onFetchFailed: (source: MapOutputLocation) => void = () => undefined,
): Promise<{ output: Uint8Array[]; result: ReduceTaskResult }> {
  const ref = { phase: 'reduce', jobId: task.jobId ?? '', taskId: task.taskId, attempt: task.attempt ?? 0, address, partition } as const;
  const { output, result } = await traceAttempt(ref, async () => {
    const attempt = await reduceAttempt(clients, address, task, partition, sources, job, signal, onFetchFailed);
    return { ...attempt, counters: attempt.result.counters };
  });
  return { output, result };
}

async function reduceAttempt(
  clients: ClientFactory,
  address: string,
  task: MessageInitShape<typeof TaskRefSchema> & Pick<TaskRef, 'taskId'>,
  partition: number,
  sources: MessageInitShape<typeof MapOutputLocationSchema>[],
  job: AttemptJob,
  signal: AbortSignal,
  onFetchFailed: (source: MapOutputLocation) => void,
): Promise<{ output: Uint8Array[]; result: ReduceTaskResult }> {
  const reducer = clients.client(ReducerService, address);
  const output: Uint8Array[] = [];
  const call = reducer.runReduceTask(
    { task, function: job.function, paramsJson: job.paramsJson, partition, sources: sources as MapOutputLocation[], timeoutMs: job.timeoutMs },
    { signal, timeoutMs: job.timeoutMs || undefined },
  );
  let unreadable = false;
  try {
    for await (const response of call) {
      if (response.kind.case === 'output') output.push(response.kind.value);
      else if (response.kind.case === 'result') return { output, result: response.kind.value };
      else if (response.kind.case === 'fetchFailed' && response.kind.value.source) {
        unreadable = true;
        onFetchFailed(response.kind.value.source);
      }
    }
  } catch (error) {
    // The reducer is fine; a map output is not. Retrying here would fail the same way, and the
    // reducer's breaker must not count it: the caller recomputes the output, then tries again.
    if (unreadable && !signal.aborted) throw new InputUnavailableError(`reducer at ${address} could not fetch its input: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    throw error;
  }
  throw new UnavailableError(`reducer at ${address} ended reduce task ${task.taskId} without a result`);
}
