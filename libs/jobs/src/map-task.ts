import type { InputPieces, JobDefinition } from './definitions.js';
import { MapCollector, type MapTaskOptions, type MapTaskOutput } from './map-collector.js';

// ignoreBOM keeps a leading U+FEFF as text, as Python's open(encoding='utf-8') does; a split that
// starts mid-file must not lose bytes either.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Runs a map task over newline-separated UTF-8 lines, in one buffer or in pieces of whole lines
 * (see {@link InputPieces}, e.g. a file split read by `FileRangeLines`): a final line without '\n'
 * counts, a '\r' ending a line is stripped (also on a final line without '\n'). Returns one sorted run per partition.
 * @throws UserCodeError when the job's map throws on a line (location `${inputLabel} line N`),
 *   unless `options.skipBadRecords`.
 */
export function runMapTask<V>(job: JobDefinition<V, unknown>, input: Uint8Array | InputPieces, options: MapTaskOptions): MapTaskOutput {
  const pieces = piecesOf(input);
  const fast = job.mapBytes;
  if (fast && fast.map === job.map && fast.combine === job.combine && !job.stages?.length) {
    const collector = new MapCollector(job, options);
    if (fast.runSorted) {
      let sorted: ReturnType<typeof fast.runSorted> | undefined;
      try {
        sorted = fast.runSorted(pieces, collector.context, options.partitions);
      } catch {
        sorted = undefined; // the line path below reports the failure with its line location
      }
      if (sorted) {
        const output = collector.finishSorted(sorted.lines, sorted.partitions);
        output.bytesIn = pieces.bytes;
        return output;
      }
      return runMapTaskByLines(job, pieces, options);
    }
    let combined: ReturnType<typeof fast.run> | undefined;
    try {
      combined = fast.run(pieces, collector.context);
    } catch {
      combined = undefined; // the line path below reports the failure with its line location
    }
    if (combined) {
      const output = collector.finishCombined(combined.lines, combined.keys, combined.values);
      output.bytesIn = pieces.bytes;
      return output;
    }
  }
  return runMapTaskByLines(job, pieces, options);
}

/** The generic path of {@link runMapTask}: decode, cut lines, call `job.map` per line. @internal */
export function runMapTaskByLines<V>(job: JobDefinition<V, unknown>, input: Uint8Array | InputPieces, options: MapTaskOptions): MapTaskOutput {
  const pieces = piecesOf(input);
  const collector = new MapCollector(job, options);
  let index = 0;
  for (const piece of pieces) {
    // One decode of a whole piece is far cheaper than one per line; pieces hold whole lines.
    const text = decoder.decode(piece);
    const length = text.length;
    let start = 0;
    while (start < length) {
      let end = text.indexOf('\n', start);
      const next = end === -1 ? length : end + 1;
      if (end === -1) end = length;
      const line = end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      collector.mapLine(line, index++);
      start = next;
    }
  }
  const output = collector.finish();
  output.bytesIn = pieces.bytes;
  return output;
}

/** Pieces that count their bytes as they are read (`bytes`: those of the last full iteration). */
class CountedPieces implements InputPieces {
  bytes = 0;

  constructor(private readonly input: InputPieces) {}

  *[Symbol.iterator](): Iterator<Uint8Array> {
    let bytes = 0;
    for (const piece of this.input) {
      bytes += piece.byteLength;
      yield piece;
    }
    this.bytes = bytes;
  }
}

/** The input as counted pieces (as they are when runMapTask hands them on to the line path). */
function piecesOf(input: Uint8Array | InputPieces): InputPieces & { readonly bytes: number } {
  if (ArrayBuffer.isView(input)) return Object.assign([input], { bytes: input.byteLength });
  return input instanceof CountedPieces ? input : new CountedPieces(input);
}
