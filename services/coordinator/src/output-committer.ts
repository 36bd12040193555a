import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One reduced record on its way into a part file. */
export interface ResultRow {
  readonly key: string;
  /** Integer value (int and bigint codecs) when it fits in 64 bits. */
  readonly int: bigint | null;
  /** JSON text for every other value. */
  readonly json: string | null;
}

/** Bytes gathered before one write to a part file. */
const writeBatchBytes = 1 << 20;

/** `part-r-00003` for partition 3, as Hadoop names reduce outputs. */
export function partFileName(partition: number): string {
  return `part-r-${String(partition).padStart(5, '0')}`;
}

/** A key or JSON value made safe for one TSV field: backslash, tab, newline and CR escaped. */
function tsvField(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : text;
}

/**
 * Hadoop's output committer for a job's `output_dir`: the winning reduce attempt's rows are
 * written to `_temporary/<part>.attempt-<n>` and renamed to `<dir>/part-r-NNNNN` in one step, so a
 * reader never sees a partial part file and a losing or crashed attempt leaves none behind. Each
 * line is `key<TAB>value` (an integer, or the value as JSON), in key order.
 */
export async function commitPartFile(dir: string, partition: number, attempt: number, rows: Iterable<ResultRow>): Promise<void> {
  const temporary = path.join(dir, '_temporary');
  await mkdir(temporary, { recursive: true });
  const name = partFileName(partition);
  const scratch = path.join(temporary, `${name}.attempt-${attempt}`);
  const file = await open(scratch, 'w');
  try {
    let batch = '';
    for (const row of rows) {
      batch += `${tsvField(row.key)}\t${row.int !== null ? row.int.toString() : tsvField(row.json ?? 'null')}\n`;
      if (batch.length >= writeBatchBytes) {
        await file.write(batch);
        batch = '';
      }
    }
    if (batch) await file.write(batch);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(scratch, path.join(dir, name));
}

/** Marks the output complete: `_SUCCESS` appears and `_temporary` goes. */
export async function commitJobOutput(dir: string): Promise<void> {
  await rm(path.join(dir, '_temporary'), { recursive: true, force: true });
  await writeFile(path.join(dir, '_SUCCESS'), '');
}
