import type { JobHandle, ResultRecord, ResultsOptions } from '@weft/client';

/** Every record `ReadResults` streams for a job, in stream order. */
export async function readAll(job: JobHandle, options: ResultsOptions = {}): Promise<ResultRecord[]> {
  const records: ResultRecord[] = [];
  for await (const record of job.results(options)) records.push(record);
  return records;
}

/**
 * Word-count records as a map. Throws naming the key if a key repeats or a value is not a safe
 * integer, so a duplicated partition or a wrongly typed value cannot hide inside a map.
 */
export function countsOf(records: readonly ResultRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { key, value } of records) {
    if (counts.has(key)) throw new Error(`ReadResults returned key ${JSON.stringify(key)} twice`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new Error(`ReadResults returned ${String(value)} (${typeof value}) for key ${JSON.stringify(key)}, expected an integer`);
    }
    counts.set(key, value);
  }
  return counts;
}
