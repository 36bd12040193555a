import { toJson } from '@bufbuild/protobuf';
import type { JsonValue } from '@bufbuild/protobuf';
import type { FunctionInfo, Job, Node, ScatterSummary, WatchJobResponse } from '@weft/client';
import { FunctionInfoSchema, JobSchema, NodeSchema, ScatterSummarySchema, WatchJobResponseSchema } from '@weft/proto';

// JSON.rawJSON (Node 21+) is not in TypeScript's ES2023 lib.
declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

/**
 * Serializes a `--json` document. A bigint becomes a JSON integer literal with every digit kept
 * (a word count fits a double; a sum of squares may not), not a string and not a rounded double.
 */
export function stringifyJson(doc: unknown): string {
  return JSON.stringify(doc, (_key, value: unknown) => (typeof value === 'bigint' ? JSON.rawJSON(value.toString()) : value), 2);
}

// Proto JSON with defaults emitted: a script reading `state` or `tasksDone` must not have to know
// that proto3 omits zero values.
const protoJson = { alwaysEmitImplicit: true } as const;

/** A job in the canonical proto JSON mapping (camelCase fields, enum names, int64 as strings). */
export function jobJson(job: Job): JsonValue {
  return toJson(JobSchema, job, protoJson);
}

/** A node in the canonical proto JSON mapping. */
export function nodeJson(node: Node): JsonValue {
  return toJson(NodeSchema, node, protoJson);
}

/** A function description in the canonical proto JSON mapping. */
export function functionJson(fn: FunctionInfo): JsonValue {
  return toJson(FunctionInfoSchema, fn, protoJson);
}

/** A watch event in the canonical proto JSON mapping. */
export function watchEventJson(event: WatchJobResponse): JsonValue {
  return toJson(WatchJobResponseSchema, event, protoJson);
}

/** A scatter summary in the canonical proto JSON mapping. */
export function scatterSummaryJson(summary: ScatterSummary): JsonValue {
  return toJson(ScatterSummarySchema, summary, protoJson);
}
