import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { isInvalidArgumentError } from '@weft/errors';
import { JobSpecSchema } from '@weft/proto';
import { planMapTasks, resolveFileInput, splitBytesFor } from './map-planner.js';

/** Sizing that always lands on `bytes`: both bounds at it. */
const fixed = (bytes: number) => ({ maxBytes: bytes, minBytes: bytes, splitsPerSlot: 1, mapSlots: 1 });

const dir = mkdtempSync(path.join(tmpdir(), 'weft-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'a.txt'), 'x'.repeat(2500));
writeFileSync(path.join(dir, 'b.txt'), 'y\n');

describe('planMapTasks', () => {
  it('cuts files into ranges of the split size and inline records into line chunks with their first line numbers', async () => {
    const spec = create(JobSpecSchema, {
      function: 'wordcount',
      inputs: [
        { source: { case: 'file', value: { path: path.join(dir, 'a.txt') } } },
        { source: { case: 'inline', value: { records: ['one', 'two\nthree', 'four', 'five'] } } },
      ],
    });
    const { tasks, splitBytes } = await planMapTasks(spec, fixed(1000));
    expect(splitBytes).toBe(1000);
    const files = tasks.filter((t) => t.input.kind === 'file').map((t) => t.input.kind === 'file' && [t.input.start, t.input.end]);
    expect(files).toEqual([[0, 1000], [1000, 2000], [2000, 2500]]);
    // A remainder within 10% of the split size joins the last split.
    const { tasks: slop } = await planMapTasks(spec, fixed(1200));
    expect(slop.filter((t) => t.input.kind === 'file').map((t) => t.input.kind === 'file' && [t.input.start, t.input.end])).toEqual([[0, 1200], [1200, 2500]]);
    const inline = tasks.filter((t) => t.input.kind === 'inline');
    expect(inline).toHaveLength(1);
    expect(new TextDecoder().decode(inline[0]!.input.kind === 'inline' ? inline[0]!.input.text : undefined)).toBe('one\ntwo\nthree\nfour\nfive\n');
    expect(tasks.map((t) => t.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);

    const { tasks: small } = await planMapTasks(spec, fixed(8));
    const firstLines = small.flatMap((t) => (t.input.kind === 'inline' ? [t.input.firstLine] : []));
    // "one" + "two\nthree" reach 8 bytes (lines 1-3); "four" + "five" make the second chunk.
    expect(firstLines).toEqual([1, 4]);
  });

  it('sizes splits like Spark: input / (slots x splits per slot), within the configured bounds', () => {
    const MiB = 1024 * 1024;
    const sizing = { maxBytes: 64 * MiB, minBytes: 4 * MiB, splitsPerSlot: 2 };
    // 256 MiB on 2 one-thread mappers: two waves of 64 MiB.
    expect(splitBytesFor(256 * MiB, { ...sizing, mapSlots: 2 })).toBe(64 * MiB);
    // 64 MiB on 4 slots: 8 splits of 8 MiB; on 1 slot: 2 of 32 MiB.
    expect(splitBytesFor(64 * MiB, { ...sizing, mapSlots: 4 })).toBe(8 * MiB);
    expect(splitBytesFor(64 * MiB, { ...sizing, mapSlots: 1 })).toBe(32 * MiB);
    // Never above the largest split, never below the smallest, nor below 1 byte.
    expect(splitBytesFor(10_000 * MiB, { ...sizing, mapSlots: 2 })).toBe(64 * MiB);
    expect(splitBytesFor(3 * MiB, { ...sizing, mapSlots: 8 })).toBe(4 * MiB);
    expect(splitBytesFor(0, { ...sizing, mapSlots: 2 })).toBe(4 * MiB);
    // A largest split below the smallest (tests' tiny COORDINATOR_SPLIT_SIZE) wins; no mapper yet counts as one slot.
    expect(splitBytesFor(50 * MiB, { ...sizing, maxBytes: 256 * 1024, mapSlots: 8 })).toBe(256 * 1024);
    expect(splitBytesFor(20 * MiB, { ...sizing, mapSlots: 0 })).toBe(10 * MiB);
  });

  it('plans a job over all its inputs with one split size', async () => {
    const spec = create(JobSpecSchema, {
      function: 'wordcount',
      inputs: [
        { source: { case: 'file', value: { path: path.join(dir, 'a.txt') } } },
        { source: { case: 'file', value: { path: path.join(dir, 'b.txt') } } },
        { source: { case: 'inline', value: { records: ['x'.repeat(497)] } } },
      ],
    });
    // 2500 + 2 + 498 bytes over 2 slots x 2 splits: 750-byte splits.
    const { tasks, splitBytes } = await planMapTasks(spec, { maxBytes: 1 << 20, minBytes: 100, splitsPerSlot: 2, mapSlots: 2 });
    expect(splitBytes).toBe(750);
    expect(tasks.map((t) => (t.input.kind === 'file' ? `${path.basename(t.input.path)}:${t.input.start}-${t.input.end}` : t.input.kind))).toEqual([
      'a.txt:0-750', 'a.txt:750-1500', 'a.txt:1500-2250', 'a.txt:2250-2500', 'b.txt:0-2', 'inline',
    ]);
  });

  it('expands globs to sorted regular files and names the field when a path is bad', async () => {
    expect(await resolveFileInput(path.join(dir, '*.txt'), 'f')).toEqual([path.join(dir, 'a.txt'), path.join(dir, 'b.txt')]);
    const cases: [string, string][] = [
      ['relative.txt', 'spec.inputs[0].file.path must be an absolute path, got "relative.txt"'],
      [path.join(dir, 'missing.txt'), `spec.inputs[0].file.path names a file that does not exist: ${path.join(dir, 'missing.txt')}`],
      [dir, `spec.inputs[0].file.path is not a regular file: ${dir}`],
      [path.join(dir, '*.csv'), `spec.inputs[0].file.path matches no files: ${path.join(dir, '*.csv')}`],
    ];
    for (const [input, message] of cases) {
      const error = await resolveFileInput(input, 'spec.inputs[0].file.path').catch((e: unknown) => e);
      expect(isInvalidArgumentError(error)).toBe(true);
      expect((error as Error).message).toBe(message);
    }
  });
});
