import { lastJsonLine, runMeasured } from './run-measured.js';
import { processTreeRssBytes } from './process-tree-rss.js';

const node = process.execPath;
const onLinux = process.platform === 'linux';

describe('runMeasured', () => {
  it('returns stdout and wall time', async () => {
    const run = await runMeasured(node, ['-e', 'setTimeout(() => console.log(JSON.stringify({ ok: 1 })), 100)']);
    expect(lastJsonLine(run.stdout)).toEqual({ ok: 1 });
    expect(run.wallMs).toBeGreaterThanOrEqual(100);
  });

  (onLinux ? it : it.skip)('samples the peak memory of the whole process tree, grandchildren included', async () => {
    // The child stays small; its own child touches ~150 MB and holds it for a moment.
    const grandchild = 'const b = Buffer.alloc(150 * 1024 * 1024, 1); setTimeout(() => b.length, 400)';
    const child = `require('child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'inherit' })`;
    const run = await runMeasured(node, ['-e', child], { sampleEveryMs: 10 });
    expect(run.peakTreeRssBytes).toBeGreaterThan(150 * 1024 * 1024);
  });

  it('rejects with the command, exit code and stderr when the child fails', async () => {
    await expect(runMeasured(node, ['-e', 'console.error("boom"); process.exit(3)'])).rejects.toThrow(
      /-e .* failed \(exit code 3\): boom$/,
    );
  });

  it('kills a child that outlives its timeout', async () => {
    await expect(runMeasured(node, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 200 })).rejects.toThrow(
      /failed \(SIGKILL\)/,
    );
  });

  it('rejects when the command does not exist', async () => {
    await expect(runMeasured('/nonexistent/weft-bench-command', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('lastJsonLine', () => {
  it('parses the last non-empty line and names bad output', () => {
    expect(lastJsonLine('progress\n{"a":2}\n\n')).toEqual({ a: 2 });
    expect(() => lastJsonLine('no json here')).toThrow('expected a JSON line on stdout, got: no json here');
  });
});

describe('processTreeRssBytes', () => {
  (onLinux ? it : it.skip)('reads this process, and nothing for a pid that does not exist', () => {
    expect(processTreeRssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
    expect(processTreeRssBytes(2 ** 22 + 12345)).toBeUndefined();
  });
});
