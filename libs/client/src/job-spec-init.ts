import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import type { Input, JobSpec } from '@weft/proto';
import { InputSchema, JobSpecSchema } from '@weft/proto';

/** One input source of a job: inline records, a file every mapper can read, or an http(s) URL. */
export type InputInit =
  | { readonly records: readonly string[] }
  | { readonly file: string }
  | { readonly url: string };

/**
 * What `WeftClient.submit` takes: `weft.v1.JobSpec` in plain JavaScript values. Fields mirror the
 * proto; see `proto/weft/v1/job.proto` for their meaning and server-side limits.
 */
export interface JobSpecInit {
  /** Registered job name, e.g. "wordcount". */
  readonly function: string;
  /** Job parameters (a JSON object), checked by the server against the job's schema. */
  readonly params?: JsonObject;
  /** At least one input. */
  readonly inputs: readonly InputInit[];
  /** Reduce partitions, 1..1024; the server's default (1) when omitted. */
  readonly reducers?: number;
  /** Submitting twice with the same non-empty key returns the first job. */
  readonly idempotencyKey?: string;
  /** Skip and count records whose map function throws instead of failing the job. */
  readonly skipBadRecords?: boolean;
  /** Attempts per task; the coordinator's default when omitted. */
  readonly maxAttempts?: number;
  /** Free-form labels shown by GetJob and ListJobs. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Absolute directory (missing or empty) that gets one `part-r-NNNNN` file per reduce partition. */
  readonly outputDir?: string;
}

/** Converts a `JobSpecInit` into the `weft.v1.JobSpec` message. */
export function toJobSpec(init: JobSpecInit): JobSpec {
  return create(JobSpecSchema, {
    function: init.function,
    params: init.params,
    inputs: init.inputs.map(toInput),
    reducers: init.reducers,
    idempotencyKey: init.idempotencyKey ?? '',
    skipBadRecords: init.skipBadRecords ?? false,
    maxAttempts: init.maxAttempts ?? 0,
    labels: { ...init.labels },
    outputDir: init.outputDir ?? '',
  });
}

function toInput(init: InputInit): Input {
  if ('records' in init) return create(InputSchema, { source: { case: 'inline', value: { records: [...init.records] } } });
  if ('file' in init) return create(InputSchema, { source: { case: 'file', value: { path: init.file } } });
  return create(InputSchema, { source: { case: 'url', value: { url: init.url } } });
}
