import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isUserCodeError } from '@weft/errors';
import { codecByName, RUN_FILE_BUFFER_BYTES, RunWriter } from '@weft/records';
import { invertedIndex, wordcount } from './builtins/index.js';
import type { JobDefinition } from './definitions.js';
import { runReduceFilesTask, runReduceTask } from './reduce-task.js';

function run(records: [string, unknown][], codec: 'int' | 'json'): Uint8Array {
  const writer = new RunWriter(codecByName(codec));
  for (const [k, v] of [...records].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) writer.add(k, v);
  return writer.finish();
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'weft-reduce-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes runs to files in `dir`. */
function toFiles(runs: Uint8Array[]): string[] {
  return runs.map((r, i) => {
    const file = path.join(dir, `${i}.run`);
    writeFileSync(file, r);
    return file;
  });
}

describe('runReduceFilesTask', () => {
  it.each([
    ['wordcount (combine)', wordcount as JobDefinition, 'int' as const, (i: number, j: number): unknown => (i * j) % 7],
    ['inverted-index (no combine)', invertedIndex as JobDefinition, 'json' as const, (i: number, j: number): unknown => `doc-${(i * 31 + j) % 50}`],
  ])('%s: runs in memory and in files give exactly the in-memory reduce output, counters included', (_name, job, codec, value) => {
    const runs = Array.from({ length: 6 }, (_, i) => run(Array.from({ length: 3000 }, (_, j): [string, unknown] => [`k${(j * 7 + i) % 1500}`, value(i, j)]), codec));
    const expected = runReduceTask(job, runs.map((r) => r.slice()), {});
    const out = path.join(dir, 'out.records');
    const result = runReduceFilesTask(job, runs.slice(0, 2).map((r) => r.slice()), toFiles(runs.slice(2)), out, {});
    expect(new Uint8Array(readFileSync(out))).toEqual(expected.output);
    expect(result).toMatchObject({ recordsIn: expected.recordsIn, bytesIn: expected.bytesIn, recordsOut: expected.recordsOut, bytesOut: expected.bytesOut });
    // One read window per file plus the writer's buffer, whatever the runs' size.
    expect(result.peakBufferBytes).toBeLessThanOrEqual(4 * RUN_FILE_BUFFER_BYTES + RUN_FILE_BUFFER_BYTES + 1024);
  });

  it('writes keys that the merge yields out of UTF-8 byte order sorted, as runReduceTask does', () => {
    // UTF-16 order puts the astral key first; UTF-8 byte order puts it last. Enough records to flush the writer's buffer first.
    const keys = ['\u{1F600}', ...Array.from({ length: 20_000 }, (_, i) => `\uE000${i}`)].sort();
    const runs = [run(keys.map((k) => [k, 1]), 'int')];
    const expected = runReduceTask(wordcount, runs.map((r) => r.slice()), {});
    const out = path.join(dir, 'out.records');
    const result = runReduceFilesTask(wordcount, [], toFiles(runs), out, {});
    expect(new Uint8Array(readFileSync(out))).toEqual(expected.output);
    expect(result).toMatchObject({ recordsOut: keys.length, bytesOut: expected.output.length });
  });

  it('a reduce that throws is a UserCodeError at its key, and the files are closed', () => {
    const failing = { ...wordcount, name: 'failing', reduce: (key: string) => { if (key === 'b') throw new Error('nope'); return 1; } } as unknown as JobDefinition;
    let error: unknown;
    try {
      runReduceFilesTask(failing, [], toFiles([run([['a', 1], ['b', 2]], 'int')]), path.join(dir, 'out.run'), {});
    } catch (e) {
      error = e;
    }
    expect(isUserCodeError(error)).toBe(true);
    expect(error).toMatchObject({ location: 'key "b"' });
  });
});
