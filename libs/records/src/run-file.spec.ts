import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { intCodec, jsonCodec } from './codecs.js';
import { mergeCursors, mergeRuns } from './merge-runs.js';
import { RunFileReader } from './run-file.js';
import { ResultFileWriter, ResultWriter } from './result-records.js';
import { readRun } from './run-reader.js';
import { RunWriter } from './run-writer.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'weft-run-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A sorted run of `n` random int records with keys of 1-20 chars (some repeated). */
function randomRun(random: () => number, n: number): Uint8Array {
  const records: Array<[string, number]> = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(random() * 20);
    let key = '';
    for (let c = 0; c < len; c++) key += 'abcdefghé日😀'[Math.floor(random() * 11)] ?? 'z';
    records.push([key, Math.floor(random() * 1000)]);
  }
  records.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const writer = new RunWriter(intCodec);
  for (const [k, v] of records) writer.add(k, v);
  return writer.finish();
}

describe('RunFileReader', () => {
  it('a file run reads back record for record, through a window far smaller than the run', () => {
    const run = randomRun(lcg(1), 20_000);
    const file = path.join(dir, 'a.run');
    writeFileSync(file, run);
    const reader = new RunFileReader(file, intCodec, 256);
    const read: Array<[string, number]> = [];
    while (reader.next()) read.push([reader.key, reader.value]);
    expect(read).toEqual([...readRun(run, intCodec)]);
    expect(reader.bufferBytes).toBe(256);
  });

  it('grows the window for a record larger than it', () => {
    const big = 'x'.repeat(10_000);
    const records: Array<[string, unknown]> = [['a', 1], ['b', { big }], ['c', [big, big]], ['d', null]];
    const file = path.join(dir, 'b.run');
    const memory = new RunWriter(jsonCodec);
    for (const [k, v] of records) memory.add(k, v);
    writeFileSync(file, memory.finish());
    const reader = new RunFileReader(file, jsonCodec, 64);
    const read: Array<[string, unknown]> = [];
    while (reader.next()) read.push([reader.key, reader.value]);
    expect(read).toEqual(records);
  });

  it('an empty run round-trips; a file of another codec or not a run is refused', () => {
    const file = path.join(dir, 'e.run');
    writeFileSync(file, new RunWriter(intCodec).finish());
    expect(new RunFileReader(file, intCodec).next()).toBe(false);
    expect(() => new RunFileReader(file, jsonCodec)).toThrow(RangeError);
    writeFileSync(file, 'hello world');
    expect(() => new RunFileReader(file, intCodec)).toThrow(/not a Weft run/);
  });

  it('merging runs over 100x the memory bound from files into a ResultFileWriter holds only the bound, and writes exactly the in-memory results', () => {
    const random = lcg(42);
    const runs = Array.from({ length: 12 }, () => randomRun(random, 40_000));
    const total = runs.reduce((sum, r) => sum + r.byteLength, 0);
    const files = runs.map((run, i) => {
      const file = path.join(dir, `${i}.run`);
      writeFileSync(file, run);
      return file;
    });
    const window = 4 * 1024;
    const bound = runs.length * window + 2 * window + 1024; // one window per run + the writer's buffer
    expect(total).toBeGreaterThan(100 * bound);

    // The in-memory path: the whole merge, values summed.
    const utf8 = (key: string): Uint8Array => new TextEncoder().encode(key);
    const memory = new ResultWriter();
    for (const [key, values] of mergeRuns(runs, intCodec)) memory.add(utf8(key), 0, utf8(key).length, values.reduce((a, b) => a + b, 0));
    const expected = memory.finish();

    const out = path.join(dir, 'out.records');
    const readers = files.map((file) => new RunFileReader(file, intCodec, window));
    const writer = new ResultFileWriter(out, window);
    let peak = 0;
    for (const [key, values] of mergeCursors(readers)) {
      writer.add(utf8(key), 0, utf8(key).length, values.reduce((a, b) => a + b, 0));
      peak = Math.max(peak, readers.reduce((sum, r) => sum + r.bufferBytes, 0) + writer.peakBufferBytes);
    }
    writer.finish();
    expect(peak).toBeLessThanOrEqual(bound);
    expect(new Uint8Array(readFileSync(out))).toEqual(expected);
  });
});
