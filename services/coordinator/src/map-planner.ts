import { glob, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@weft/errors';
import type { JobSpec } from '@weft/proto';

/** Where a map task's input comes from. */
export type MapInput =
  /** Lines carried by the coordinator and streamed to the mapper. */
  | { readonly kind: 'inline'; readonly text: Uint8Array; readonly label: string; readonly firstLine: number }
  /** A byte range of a file the mapper reads itself: every line whose first byte is in [start, end). */
  | { readonly kind: 'file'; readonly path: string; readonly start: number; readonly end: number; readonly label: string }
  /** An http(s) URL the mapper GETs itself (allow-listed hosts only); one task per URL. */
  | { readonly kind: 'url'; readonly url: string; readonly label: string };

/** One planned map task. */
export interface MapTaskPlan {
  /** `m-<n>`. */
  readonly id: string;
  readonly input: MapInput;
  /** Input bytes (for progress and scheduling). */
  readonly bytes: number;
}

const encoder = new TextEncoder();

/** A file's last split may be this many times the split size rather than leave a sliver behind. */
const splitSlop = 1.1;

/** True when `p` contains glob syntax. */
export function isGlob(p: string): boolean {
  return /[*?[\]{}]/.test(p);
}

/**
 * Resolves a file input to the regular files it names (a glob may name several), sorted.
 * Throws InvalidArgumentError naming `field` when the path is relative, missing, not a file, or a
 * glob that matches nothing.
 */
export async function resolveFileInput(pattern: string, field: string): Promise<string[]> {
  if (!pattern) throw new InvalidArgumentError(field, 'must not be empty');
  if (!path.isAbsolute(pattern)) throw new InvalidArgumentError(field, `must be an absolute path, got "${pattern}"`);
  if (!isGlob(pattern)) {
    const info = await stat(pattern).catch(() => undefined);
    if (!info) throw new InvalidArgumentError(field, `names a file that does not exist: ${pattern}`);
    if (!info.isFile()) throw new InvalidArgumentError(field, `is not a regular file: ${pattern}`);
    return [pattern];
  }
  const files: string[] = [];
  for await (const match of glob(pattern)) {
    const info = await stat(match).catch(() => undefined);
    if (info?.isFile()) files.push(match);
  }
  if (files.length === 0) throw new InvalidArgumentError(field, `matches no files: ${pattern}`);
  return files.sort();
}

/** How big a job's splits are: the configured bounds and the cluster's map parallelism right now. */
export interface SplitSizing {
  /** Largest split, bytes (COORDINATOR_SPLIT_SIZE). */
  readonly maxBytes: number;
  /** Smallest split the sizing aims for, bytes (COORDINATOR_MIN_SPLIT_SIZE); capped at `maxBytes`. */
  readonly minBytes: number;
  /** Splits planned per map slot (COORDINATOR_SPLITS_PER_SLOT). */
  readonly splitsPerSlot: number;
  /** Slots of the live mappers when the job is planned (at least 1 counts). */
  readonly mapSlots: number;
}

/**
 * The split size for `totalBytes` of input, Spark's rule for file partitions: aim for
 * `splitsPerSlot` splits per map slot (Spark: one per core; more waves balance load on uneven
 * nodes at a per-task cost), but never above `maxBytes` nor below `minBytes`. Fewer, larger splits cut the
 * per-task costs (dispatch, run encoding, one shuffle fetch per map output per reducer, merge
 * width); the bounds keep a huge input from making huge tasks and a small one from making tiny ones.
 */
export function splitBytesFor(totalBytes: number, sizing: SplitSizing): number {
  const target = Math.ceil(totalBytes / (Math.max(1, sizing.mapSlots) * Math.max(1, sizing.splitsPerSlot)));
  const floor = Math.min(sizing.minBytes, sizing.maxBytes);
  return Math.max(1, Math.min(sizing.maxBytes, Math.max(floor, target)));
}

type PlannedInput =
  | { readonly kind: 'inline'; readonly records: readonly string[]; readonly label: string; readonly bytes: number }
  | { readonly kind: 'files'; readonly files: readonly { path: string; size: number }[] }
  | { readonly kind: 'url'; readonly url: string };

/**
 * Splits a job's inputs into map tasks: files into line-aligned byte ranges the mappers read
 * themselves (no input bytes pass through the coordinator), inline records into chunks of lines;
 * each URL is one task whose mapper GETs it. {@link splitBytesFor} sizes the splits from `sizing`
 * over every file and inline byte of the job. Returns the tasks and the split size used.
 */
export async function planMapTasks(spec: JobSpec, sizing: SplitSizing): Promise<{ tasks: MapTaskPlan[]; splitBytes: number }> {
  const inputs: PlannedInput[] = [];
  let totalBytes = 0;
  for (const [index, input] of spec.inputs.entries()) {
    const field = `spec.inputs[${index}]`;
    switch (input.source.case) {
      case 'inline': {
        const records = input.source.value.records;
        const bytes = records.reduce((sum, record) => sum + record.length + 1, 0);
        inputs.push({ kind: 'inline', records, label: `inline input ${index}`, bytes });
        totalBytes += bytes;
        break;
      }
      case 'file': {
        const files: { path: string; size: number }[] = [];
        for (const file of await resolveFileInput(input.source.value.path, `${field}.file.path`)) {
          const { size } = await stat(file);
          files.push({ path: file, size });
          totalBytes += size;
        }
        inputs.push({ kind: 'files', files });
        break;
      }
      case 'url':
        inputs.push({ kind: 'url', url: input.source.value.url });
        break;
      default:
        throw new InvalidArgumentError(field, 'must set one of inline, file or url');
    }
  }
  const splitBytes = splitBytesFor(totalBytes, sizing);
  const tasks: MapTaskPlan[] = [];
  const add = (input: MapInput, bytes: number): void => {
    tasks.push({ id: `m-${tasks.length}`, input, bytes });
  };
  for (const input of inputs) {
    if (input.kind === 'inline') planInline(input.records, input.label, splitBytes, add);
    else if (input.kind === 'url') add({ kind: 'url', url: input.url, label: input.url }, 0);
    else {
      for (const { path: file, size } of input.files) {
        let start = 0;
        while (start < size) {
          // Hadoop's split slop: a remainder within 10% of a split joins the last one instead of
          // becoming a task of its own (a 256 MB file is 4 splits of 64 MiB, not 4 and a sliver).
          const end = size - start > splitBytes * splitSlop ? start + splitBytes : size;
          add({ kind: 'file', path: file, start, end, label: file }, end - start);
          start = end;
        }
      }
    }
  }
  return { tasks, splitBytes };
}

function planInline(records: readonly string[], label: string, splitBytes: number, add: (input: MapInput, bytes: number) => void): void {
  let parts: string[] = [];
  let partBytes = 0;
  let firstLine = 1;
  let lines = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const text = encoder.encode(parts.join(''));
    add({ kind: 'inline', text, label, firstLine }, text.byteLength);
    firstLine += lines;
    parts = [];
    partBytes = 0;
    lines = 0;
  };
  for (const record of records) {
    parts.push(record, '\n');
    // Records are lines; one with embedded newlines counts as several (documented in job.proto).
    lines += 1 + (record.match(/\n/g)?.length ?? 0);
    partBytes += record.length + 1;
    if (partBytes >= splitBytes) flush();
  }
  flush();
}
