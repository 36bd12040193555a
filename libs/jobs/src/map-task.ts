import type { JobDefinition } from './definitions.js';
import { MapCollector, type MapTaskOptions, type MapTaskOutput } from './map-collector.js';

// ignoreBOM keeps a leading U+FEFF as text, as Python's open(encoding='utf-8') does; a split that
// starts mid-file must not lose bytes either.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Runs a map task over one buffer of newline-separated UTF-8 lines: a final line without '\n'
 * counts, a '\r' ending a line is stripped (also on a final line without '\n'). Returns one sorted run per partition.
 * @throws UserCodeError when the job's map throws on a line (location `${inputLabel} line N`),
 *   unless `options.skipBadRecords`.
 */
export function runMapTask<V>(job: JobDefinition<V, unknown>, input: Uint8Array, options: MapTaskOptions): MapTaskOutput {
  const fast = job.mapBytes;
  if (fast && fast.map === job.map && fast.combine === job.combine && !job.stages?.length) {
    const collector = new MapCollector(job, options);
    if (fast.runSorted) {
      let sorted: ReturnType<typeof fast.runSorted> | undefined;
      try {
        sorted = fast.runSorted(input, collector.context, options.partitions);
      } catch {
        sorted = undefined; // the line path below reports the failure with its line location
      }
      if (sorted) {
        const output = collector.finishSorted(sorted.lines, sorted.partitions);
        output.bytesIn = input.byteLength;
        return output;
      }
      return runMapTaskByLines(job, input, options);
    }
    let combined: ReturnType<typeof fast.run> | undefined;
    try {
      combined = fast.run(input, collector.context);
    } catch {
      combined = undefined; // the line path below reports the failure with its line location
    }
    if (combined) {
      const output = collector.finishCombined(combined.lines, combined.keys, combined.values);
      output.bytesIn = input.byteLength;
      return output;
    }
  }
  return runMapTaskByLines(job, input, options);
}

/** The generic path of {@link runMapTask}: decode, cut lines, call `job.map` per line. @internal */
export function runMapTaskByLines<V>(job: JobDefinition<V, unknown>, input: Uint8Array, options: MapTaskOptions): MapTaskOutput {
  const collector = new MapCollector(job, options);
  // One decode of the whole buffer is far cheaper than one per line.
  const text = decoder.decode(input);
  const length = text.length;
  let start = 0;
  let index = 0;
  while (start < length) {
    let end = text.indexOf('\n', start);
    const next = end === -1 ? length : end + 1;
    if (end === -1) end = length;
    const line = end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    collector.mapLine(line, index++);
    start = next;
  }
  const output = collector.finish();
  output.bytesIn = input.byteLength;
  return output;
}
