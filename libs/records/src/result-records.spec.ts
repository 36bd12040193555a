import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ByteWriter } from './byte-writer.js';
import { codecByName } from './codecs.js';
import { readRun } from './run-reader.js';
import { RunWriter } from './run-writer.js';
import { RecordCursor, ResultFileWriter, ResultWriter, cutChunks, readResultRecords } from './result-records.js';
import type { ValueCodecName } from './value-codec.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What results used to be: the value through the codec (a run), read back, then `add`ed. */
function viaRun(records: [string, unknown][], codec: ValueCodecName): Uint8Array {
  const run = new RunWriter(codecByName(codec));
  for (const [key, value] of records) run.add(key, value);
  const writer = new ResultWriter();
  for (const [key, value] of readRun(run.finish(), codecByName(codec))) {
    const bytes = utf8(key);
    writer.add(bytes, 0, bytes.length, value);
  }
  return writer.finish();
}

function direct(records: [string, unknown][], codec: ValueCodecName): Uint8Array {
  const writer = new ResultWriter(16);
  for (const [key, value] of records) {
    const bytes = utf8(key);
    writer.addResult(bytes, 0, bytes.length, value, codecByName(codec));
  }
  return writer.finish();
}

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${String(i).padStart(4, '0')}`);

describe('ResultWriter.addResult', () => {
  it.each([
    ['int', [0, -0, 1, -1, 63, 64, -64, 2 ** 31, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]],
    ['bigint', [0n, -1n, 2n ** 53n, (1n << 63n) - 1n, -(1n << 63n), 1n << 63n, -(1n << 63n) - 1n, 10n ** 40n]],
    [
      'json',
      [0, -0, 7, -9, 1.5, 2 ** 53, 1e21, NaN, Infinity, 'text "quoted"', '\uD800 lone', 'é😀', true, false, null, [1, -0, 'x'], { b: 1, 1: 2, a: [null] },
        new Date(0), { toJSON: () => 5 }, { toJSON: () => -0 }, { toJSON: () => 2 ** 60 }, { toJSON: () => '7' }, Object(5) as unknown, Object('s') as unknown],
    ],
  ] as const)('writes %s values exactly as the codec round trip did', (codec, values) => {
    const records = (values as readonly unknown[]).map((v, i): [string, unknown] => [keys(values.length)[i]!, v]);
    expect(Buffer.from(direct(records, codec)).equals(Buffer.from(viaRun(records, codec)))).toBe(true);
  });

  it.each([
    ['int', 1.5],
    ['int', 5n],
    ['int', '3'],
    ['bigint', 3],
    ['json', undefined],
    ['json', 5n],
    ['json', () => 1],
    ['json', { toJSON: () => undefined }],
  ] as const)('refuses a %s value %p with the codec\'s own error, naming the key, writing nothing', (codec, value) => {
    const writer = new ResultWriter();
    const key = utf8('日本');
    let expected: unknown;
    try {
      codecByName(codec).write(new ByteWriter(16), value, '日本');
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(RangeError);
    expect(() => writer.addResult(key, 0, key.length, value, codecByName(codec))).toThrow(expected as Error);
    expect(writer.count).toBe(0);
    expect(writer.finish().length).toBe(0);
  });

  it('sorts keys given in UTF-16 order into UTF-8 byte order, and refuses a key twice', () => {
    const order = ['a', '\u{1F600}', '\u{1F600}x', '\uE000', '\uFF21'];
    const writer = new ResultWriter();
    for (const key of order) writer.add(utf8(key), 0, utf8(key).length, key.length);
    expect(writer.inOrder).toBe(false);
    const out = writer.finish();
    expect([...readResultRecords(out)].map(([k]) => k)).toEqual(['a', '\uE000', '\uFF21', '\u{1F600}', '\u{1F600}x']);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(out.length);

    const twice = new ResultWriter();
    twice.add(utf8('\uFFFD'), 0, 3, 1);
    twice.add(utf8('\uFFFD'), 0, 3, 2);
    expect(() => twice.finish()).toThrow('result key "\uFFFD" appears twice in one partition');
  });
});

describe('ResultFileWriter', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'weft-results-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['in order', keys(5000)],
    ['in UTF-16 order across flushes', [...keys(3000), '\u{1F600}', ...keys(3000).map((k) => `\uE000${k}`)]],
  ])('leaves the bytes ResultWriter returns (%s) with a bounded buffer', (_name, order) => {
    const file = path.join(dir, 'out');
    const streamed = new ResultFileWriter(file, 1024);
    const memory = new ResultWriter();
    order.forEach((key, i) => {
      const bytes = utf8(key);
      streamed.addResult(bytes, 0, bytes.length, { i }, codecByName('json'));
      memory.addResult(bytes, 0, bytes.length, { i }, codecByName('json'));
    });
    const size = streamed.finish();
    const expected = memory.finish();
    expect(size).toBe(expected.length);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(expected))).toBe(true);
    expect(streamed.count).toBe(order.length);
    expect(streamed.peakBufferBytes).toBeLessThanOrEqual(4096);
    expect(() => streamed.add(utf8('z'), 0, 1, 1)).toThrow('after finish');
  });

  it('refuses a key twice across a flush', () => {
    const writer = new ResultFileWriter(path.join(dir, 'out'), 16);
    for (const key of ['a', 'b', 'a']) writer.add(utf8(key), 0, 1, 'x'.repeat(20));
    expect(() => writer.finish()).toThrow('result key "a" appears twice in one partition');
    writer.abort();
  });
});

describe('cutChunks', () => {
  function records(n: number): Uint8Array {
    const writer = new ResultWriter();
    for (const key of keys(n)) writer.add(utf8(key), 0, utf8(key).length, key.length > 3 ? { key } : 1);
    return writer.finish();
  }

  it('cuts at record boundaries into chunks of at most chunkBytes, a larger record alone', () => {
    const data = records(100);
    const chunks = cutChunks(data, 100);
    expect(chunks.reduce((n, c) => n + c.records, 0)).toBe(100);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(Buffer.from(data))).toBe(true);
    for (const chunk of chunks) expect(chunk.data.length).toBeLessThanOrEqual(100);
    expect(cutChunks(data, 1).map((c) => c.records)).toEqual(Array(100).fill(1));
    expect(cutChunks(new Uint8Array(0), 100)).toEqual([]);
  });

  it('refuses truncated, malformed or unordered records', () => {
    const data = records(3);
    expect(() => cutChunks(data.subarray(0, data.length - 1), 1024)).toThrow(RangeError);
    const badTag = data.slice();
    const c = new RecordCursor(badTag);
    c.next();
    badTag[c.keyEnd + 2] = 0x18; // the first value's inner tag
    expect(() => cutChunks(badTag, 1024)).toThrow('result record 0 (at byte 0) is malformed: its value is neither int nor json');
    // ResultWriter would refuse or sort these; cutChunks sees the bytes as a bad reducer sent them.
    const twice = new Uint8Array([...data.subarray(0, c.end), ...data.subarray(0, c.end)]);
    expect(() => cutChunks(twice, 1024)).toThrow('result records are out of order: record 1 has key "k0000", not after "k0000"');
    const writer = new ResultWriter();
    writer.add(utf8('z'), 0, 1, 1);
    const z = writer.finish();
    expect(() => cutChunks(new Uint8Array([...z, ...data]), 1024)).toThrow('out of order: record 1 has key "k0000", not after "z"');
  });
});
