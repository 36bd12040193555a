import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JobState } from '@weft/client';
import { failuresAndCluster, inBrowser, watchJob, wordCount } from './__fixtures__/client-readme-examples.js';
import { startCluster } from './start-cluster.js';
import type { TestCluster } from './start-cluster.js';

// The client's README examples: the same code as the fixture's regions (which the lint
// type-checks), run against a real cluster.
const readme = readFileSync(fileURLToPath(new URL('../../client/README.md', import.meta.url)), 'utf8');
const examples = readFileSync(fileURLToPath(new URL('./__fixtures__/client-readme-examples.ts', import.meta.url)), 'utf8');
const timeout = 120_000;

function region(name: string): string {
  const m = new RegExp(`// #region ${name}\\n(.*?)\\n\\s*// #endregion`, 's').exec(examples);
  if (!m) throw new Error(`no region ${name} in the examples`);
  return m[1]!.replace(/^ {2}/gm, '');
}

/** Runs `fn` with console.log captured; returns what it printed, one entry per call. */
async function printed(fn: () => Promise<void>): Promise<unknown[][]> {
  const lines: unknown[][] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args);
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}

describe('libs/client/README.md', () => {
  it.each(['submit', 'watch', 'errors', 'browser'])('shows the %s example exactly as the type-checked fixture has it', (name) => {
    expect(readme).toContain(`\`\`\`ts\n${region(name)}\n\`\`\``);
  });

  describe('against a real cluster', () => {
    let cluster: TestCluster;
    const previous = process.env.WEFT_GATEWAY;
    beforeAll(async () => {
      cluster = await startCluster({ mappers: 2, reducers: 2 });
      process.env.WEFT_GATEWAY = cluster.gatewayUrl;
    }, timeout);
    afterAll(async () => {
      if (previous === undefined) delete process.env.WEFT_GATEWAY;
      else process.env.WEFT_GATEWAY = previous;
      await cluster?.stop();
    }, timeout);

    it('submit: prints the distinct count and the top 3 words', async () => {
      const lines = await printed(wordCount);
      expect(lines[0]![0]).toMatch(/^job \S+: 5 distinct words$/);
      expect(lines.slice(1)).toEqual([
        ['the', 3],
        ['cat', 2],
        ['sat', 2],
      ]);
    }, timeout);

    it('watch: sees the final state, then the sum', async () => {
      const lines = await printed(watchJob);
      expect(lines.at(-2)).toEqual(['state', JobState.SUCCEEDED]);
      expect(lines.at(-1)).toEqual(['sum of squares', 14]);
    }, timeout);

    it('browser: the web entry point over fetch sees both phases finish', async () => {
      const lines = await printed(inBrowser);
      // A job this small may have ended before the watch began (then the snapshot is all there is);
      // either way the stream ends with both phases done.
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.at(-1)).toEqual([[1, 1]]);
    }, timeout);

    it('errors: reports the failed job and lists the mappers', async () => {
      const lines = await printed(failuresAndCluster);
      expect(String(lines[0]![0])).toBe('failed:');
      expect(String(lines[0]![1])).toContain('not an integer');
      expect(lines[1]![0]).toEqual([
        expect.stringMatching(/^mapper-1 http:\/\/127\.0\.0\.1:\d+ 2 slots$/),
        expect.stringMatching(/^mapper-2 http:\/\/127\.0\.0\.1:\d+ 2 slots$/),
      ]);
    }, timeout);
  });
});
