import { ByteReader } from './byte-reader.js';
import { codecNameOfId } from './codecs.js';
import type { ValueCodec } from './value-codec.js';

/** The 4 bytes every run starts with: ASCII `WFR1`. @internal */
export const RUN_MAGIC = [0x57, 0x46, 0x52, 0x31] as const;
/** Header size in bytes: magic, codec id, u32 LE record count. @internal */
export const RUN_HEADER_BYTES = 9;

/**
 * Checks a run's header and returns its record count and a reader positioned at the first record.
 * Throws RangeError when the buffer is not a run or was written with a different codec than `codec`
 * (reading it anyway would silently produce garbage).
 * @internal
 */
export function openRun(run: Uint8Array, codec?: ValueCodec<unknown>): { count: number; reader: ByteReader } {
  if (run.length < RUN_HEADER_BYTES || RUN_MAGIC.some((b, i) => run[i] !== b)) {
    throw new RangeError(`not a Weft run: expected magic WFR1 and a ${RUN_HEADER_BYTES}-byte header`);
  }
  const id = run[4]!;
  if (codec && id !== codec.id) {
    const stored = codecNameOfId(id) ?? `unknown codec id ${id}`;
    throw new RangeError(`run was written with the ${stored} codec, cannot read it as ${codec.name}`);
  }
  const reader = new ByteReader(run, 5);
  const count = reader.u32();
  return { count, reader };
}

/** The number of records in a run, read from its header. Throws RangeError when `run` is not a run. */
export function runRecordCount(run: Uint8Array): number {
  return openRun(run).count;
}
