import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commitJobOutput, commitPartFile, partFileName } from './output-committer.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'output-committer-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('output committer', () => {
  it('writes a part file under a temporary name, renames it, and marks success', async () => {
    expect(partFileName(3)).toBe('part-r-00003');
    await commitPartFile(dir, 3, 2, [
      { key: 'a', int: 5n, json: null },
      { key: 'tab\there\\', int: null, json: '["x\\ny"]' },
    ]);
    expect(await readdir(path.join(dir, '_temporary'))).toEqual([]);
    expect(await readFile(path.join(dir, 'part-r-00003'), 'utf8')).toBe('a\t5\ntab\\there\\\\\t["x\\\\ny"]\n');
    await commitJobOutput(dir);
    expect((await readdir(dir)).sort()).toEqual(['_SUCCESS', 'part-r-00003']);
  });
});
