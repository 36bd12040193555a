import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { isInvalidArgumentError } from '@weft/errors';
import { JobSpecSchema } from '@weft/proto';
import { planMapTasks, resolveFileInput } from './map-planner.js';

const dir = mkdtempSync(path.join(tmpdir(), 'weft-plan-'));
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
    const tasks = await planMapTasks(spec, 1000);
    const files = tasks.filter((t) => t.input.kind === 'file').map((t) => t.input.kind === 'file' && [t.input.start, t.input.end]);
    expect(files).toEqual([[0, 1000], [1000, 2000], [2000, 2500]]);
    const inline = tasks.filter((t) => t.input.kind === 'inline');
    expect(inline).toHaveLength(1);
    expect(new TextDecoder().decode(inline[0]!.input.kind === 'inline' ? inline[0]!.input.text : undefined)).toBe('one\ntwo\nthree\nfour\nfive\n');
    expect(tasks.map((t) => t.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);

    const small = await planMapTasks(spec, 8);
    const firstLines = small.flatMap((t) => (t.input.kind === 'inline' ? [t.input.firstLine] : []));
    // "one" + "two\nthree" reach 8 bytes (lines 1-3); "four" + "five" make the second chunk.
    expect(firstLines).toEqual([1, 4]);
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
