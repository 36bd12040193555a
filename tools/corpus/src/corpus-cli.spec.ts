import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCorpusCli } from './corpus-cli.js';
import { generateCorpusText } from './generate-corpus.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-corpus-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCorpusCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('runCorpusCli', () => {
  it('writes one file and reports it as JSON', async () => {
    const out = join(dir, 'c.txt');
    const { code, stdout } = await run('--bytes', '64KB', '--seed', '3', '--out', out, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ paths: [out], seed: 3 });
    const content = await readFile(out, 'utf8');
    expect(content).toBe(generateCorpusText({ bytes: 65_536, seed: 3 }));
    expect(report.bytes).toBe(Buffer.byteLength(content));
    expect(report.lines).toBe(content.split('\n').length - 1);
  });

  it('defaults the seed to 42 and prints a human summary', async () => {
    const out = join(dir, 'd.txt');
    const { code, stdout } = await run('--bytes', '1000', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^wrote \\d+ bytes \\(\\d+ lines\\) to ${out} in `));
    expect(await readFile(out, 'utf8')).toBe(generateCorpusText({ bytes: 1000, seed: 42 }));
  });

  it('splits across files in the --out directory with --files', async () => {
    const out = join(dir, 'parts');
    const { code, stdout } = await run('--bytes', '30000', '--files', '3', '--out', out, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).paths).toHaveLength(3);
    expect(await readdir(out)).toEqual(['corpus-000.txt', 'corpus-001.txt', 'corpus-002.txt']);
  });

  it.each([
    [['--out', 'x'], "required option '--bytes <size>' not specified"],
    [['--bytes', '1MB'], "required option '--out <path>' not specified"],
    [['--bytes', 'lots', '--out', 'x'], "invalid size 'lots'"],
    [['--bytes', '1', '--out', 'x', '--files', '0'], '--files must be an integer >= 1'],
    [['--bytes', '1', '--out', 'x', '--seed', '1.5'], '--seed must be an integer'],
    [['--bytes', '1', '--out', 'x', '--frobnicate'], "unknown option '--frobnicate'"],
  ])('exits 2 on usage error %j', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('exits 0 with usage on --help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: weft-corpus');
    expect(stdout).toContain('--bytes <size>');
  });

  it('exits 1 when the output cannot be written', async () => {
    const { code, stderr } = await run('--bytes', '100', '--out', join(dir, 'missing', 'dir', 'x.txt'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^weft-corpus: ENOENT: no such file or directory/);
  });
});
