import { isUserCodeError } from '@weft/errors';
import { intCodec, jsonCodec, partitionOf, readResultRecords, readRun } from '@weft/records';
import { defineJob } from './definitions.js';
import { runMapTask } from './map-task.js';
import { runReduceTask } from './reduce-task.js';
import { runLocally } from './run-locally.js';
import { wordcount } from './builtins/wordcount.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const options = { params: {}, partitions: 1, inputLabel: 'a.txt', firstLine: 100, skipBadRecords: false };

/** Emits each line as a key (value = its length); throws on lines starting with "bad". */
const lineJob = defineJob<number, number>({
  name: 'lines',
  description: 'test',
  params: {},
  values: 'int',
  results: 'int',
  map(line, emit, ctx) {
    ctx.counter('seen');
    emit(`pre:${line}`, 0);
    if (line.startsWith('bad')) throw new Error(`bad line ${line}`);
    emit(line, line.length);
  },
  reduce: (_key, values) => values.reduce((a, b) => a + b, 0),
});

describe('runMapTask', () => {
  it('splits lines on \\n, strips a line-ending \\r, counts a final unterminated line', () => {
    const out = runMapTask(lineJob, encode('b\r\na\n\nc\r'), options);
    expect(out.recordsIn).toBe(4);
    const records = [...readRun(out.partitions[0]!, intCodec)].filter(([k]) => !k.startsWith('pre:'));
    // A final line's '\r' goes too: a CRLF file whose last '\n' is missing.
    expect(records).toEqual([['', 0], ['a', 1], ['b', 1], ['c', 1]]);
    expect(out.userCounters).toEqual({ seen: 4 });
    expect(out.bytesIn).toBe(8);
  });

  it('gives the same output from pieces of whole lines as from one buffer, on the line path and the byte path, error locations too', () => {
    const text = 'The cat\r\nsat on\n\nthe MAT ÉCOLE\nbad one\nlast the';
    const lines = text.split(/(?<=\n)/);
    const pieces = (from: string[]): Iterable<Uint8Array> => ({ *[Symbol.iterator]() { for (const line of from) yield encode(line); } });
    for (const job of [wordcount, lineJob]) {
      const opts = { ...options, partitions: 2, skipBadRecords: true };
      const whole = runMapTask(job, encode(text), opts);
      expect(runMapTask(job, pieces(lines), opts)).toEqual(whole);
      expect(runMapTask(job, pieces([lines.slice(0, 3).join(''), lines.slice(3).join('')]), opts)).toEqual(whole);
      expect(whole.bytesIn).toBe(encode(text).length);
    }
    expect(() => runMapTask(lineJob, pieces(lines), options)).toThrow(expect.objectContaining({ location: 'a.txt line 104' }));
  });

  it('handles empty input and an input that ends with a newline', () => {
    expect(runMapTask(lineJob, new Uint8Array(0), options).recordsIn).toBe(0);
    expect(runMapTask(lineJob, encode('x\n'), options).recordsIn).toBe(1);
  });

  it('combines map-side, partitions with partitionOf and sorts each partition', () => {
    const input = encode('b a c\nA b\nd é 日 b');
    const out = runMapTask(wordcount, input, { ...options, partitions: 3 });
    expect(out.partitions).toHaveLength(3);
    const seen = new Map<string, number>();
    out.partitions.forEach((run, p) => {
      const records = [...readRun(run, intCodec)];
      expect(records.map(([k]) => k)).toEqual(records.map(([k]) => k).sort());
      expect(out.partitionRecords[p]).toBe(records.length);
      for (const [k, v] of records) {
        expect(partitionOf(k, 3)).toBe(p);
        seen.set(k, v);
      }
    });
    expect(Object.fromEntries(seen)).toEqual({ a: 2, b: 3, c: 1, d: 1, é: 1, 日: 1 });
    expect(out.recordsOut).toBe(6);
    expect(out.bytesOut).toBe(out.partitions.reduce((n, r) => n + r.length, 0));
  });

  it('keeps every value when the job has no combiner', () => {
    const job = defineJob<string, string[]>({
      name: 'pairs', description: 't', params: {}, values: 'json', results: 'json',
      map: (line, emit) => emit('k', line),
      reduce: (_k, values) => values,
    });
    const out = runMapTask(job, encode('x\ny\nx'), options);
    expect([...readRun(out.partitions[0]!, jsonCodec)]).toEqual([['k', 'x'], ['k', 'y'], ['k', 'x']]);
  });

  it('fails with a UserCodeError locating the line (firstLine + index)', () => {
    let caught: unknown;
    try {
      runMapTask(lineJob, encode('ok\nbad one\n'), options);
    } catch (error) {
      caught = error;
    }
    expect(isUserCodeError(caught)).toBe(true);
    expect(caught).toMatchObject({ location: 'a.txt line 101', message: 'lines map failed: bad line bad one (at a.txt line 101)' });
  });

  it('skips and counts bad records, dropping what they emitted', () => {
    const out = runMapTask(lineJob, encode('ok\nbad one\nfine\nbad two'), { ...options, skipBadRecords: true });
    expect(out.skippedRecords).toBe(2);
    expect(out.recordsIn).toBe(4);
    expect([...readRun(out.partitions[0]!, intCodec)].map(([k]) => k)).toEqual(['fine', 'ok', 'pre:fine', 'pre:ok']);
  });

  it('reports a value the codec cannot hold as a UserCodeError', () => {
    const job = defineJob<number, number>({
      name: 'halves', description: 't', params: {}, values: 'int', results: 'int',
      map: (line, emit) => emit(line, 0.5),
      reduce: () => 0,
    });
    expect(() => runMapTask(job, encode('x'), options)).toThrow(/halves map emitted an invalid value: value of key "x" must be a safe integer/);
  });
});

describe('runReduceTask', () => {
  it('merges runs from several map tasks and reduces each key once', () => {
    const a = runMapTask(wordcount, encode('x y x'), options).partitions[0]!;
    const b = runMapTask(wordcount, encode('y z'), options).partitions[0]!;
    const out = runReduceTask(wordcount, [a, b], {});
    expect([...readResultRecords(out.output, 'int')]).toEqual([['x', 2], ['y', 2], ['z', 1]]);
    expect(out).toMatchObject({ recordsIn: 4, recordsOut: 3, bytesIn: a.length + b.length, bytesOut: out.output.length });
  });

  it('wraps a throwing reduce in a UserCodeError naming the key', () => {
    const job = defineJob<number, number>({
      ...wordcount, name: 'broken',
      reduce: (key) => {
        if (key === 'y') throw new Error('boom');
        return 1;
      },
    });
    const run = runMapTask(job, encode('x y'), options).partitions[0]!;
    expect(() => runReduceTask(job, [run], {})).toThrow('broken reduce failed: boom (at key "y")');
  });
});

describe('stages (the pipeline pattern)', () => {
  const piped = defineJob<number, number>({
    name: 'piped',
    description: 'drops comments, splits on ";", trims, then counts words',
    params: {},
    values: 'int',
    results: 'int',
    stages: [
      (line) => (line.startsWith('#') ? null : line),
      (line) => line.split(';'),
      (line) => line.trim(),
    ],
    map(line, emit) {
      for (const word of line.split(' ')) if (word) emit(word, 1);
    },
    combine: (a, b) => a + b,
    reduce: (_key, values) => values.reduce((a, b) => a + b, 0),
  });

  it('chains the stages before map inside one task', () => {
    expect([...runLocally(piped, ['# a comment', 'a b; b c ;c', ' d '])]).toEqual([['a', 1], ['b', 2], ['c', 2], ['d', 1]]);
  });

  it('rejects stages that are not functions', () => {
    expect(() => defineJob({ ...piped, stages: ['x' as never] })).toThrow('job piped: stages must be an array of functions');
  });
});

describe('keys that are not well-formed UTF-16', () => {
  it('are replaced before sorting, so the run reads back in order and collapsing keys are folded', async () => {
    const { runMapTask, runReduceTask, wordcount } = await import('./index.js');
    const { readResultRecords } = await import('@weft/records');
    const text = new TextEncoder().encode('ok');
    // Inline records arrive as UTF-8 too, so feed the ill-formed strings through a job that emits them as keys.
    const job = { ...wordcount, map: (_line: string, emit: (k: string, v: number) => void) => { emit('\ud800 a', 1); emit('\udc00 a', 1); emit('\ufffe', 1); emit('b', 1); } };
    const out = runMapTask(job, text, { params: {}, partitions: 1, inputLabel: 'x', firstLine: 1, skipBadRecords: false });
    const reduced = runReduceTask(job, out.partitions, {});
    expect([...readResultRecords(reduced.output, 'int')]).toEqual([['b', 1], ['\ufffd a', 2], ['\ufffe', 1]]);
  });
});
