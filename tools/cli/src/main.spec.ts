import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpusFile } from '@weft/corpus';
import type { LocalCluster } from '@weft/launcher';
import { startReadyCluster } from './start-ready-cluster.js';

// The built `weft` command as a subprocess against a real local cluster: what scripts see.
// Needs everything built (npm test builds first).
const weft = fileURLToPath(new URL('../bin/weft.js', import.meta.url));
const timeout = 120_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [weft, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs the command on a pseudo-terminal (util-linux `script`), returning what the terminal got. */
function runOnTty(args: string[], env: Record<string, string>): Promise<Run> {
  const quoted = [process.execPath, weft, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qec', quoted, '/dev/null'], { env: { ...process.env, ...env, COLUMNS: '100' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The word count computed in this process, the way the lesson's `text.lower().split()` does. */
function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().split(/\s+/)) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

describe('weft (subprocess, real cluster)', () => {
  let cluster: LocalCluster;
  let dir: string;
  let corpus: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-cli-spec-'));
    corpus = join(dir, 'corpus.txt');
    await ensureCorpusFile(corpus, { bytes: 2_000_000, seed: 7 });
    ({ cluster } = await startReadyCluster({ mappers: 2, reducers: 1, threadsPerNode: 2 }));
    env = { WEFT_GATEWAY: cluster.gatewayUrl };
  }, timeout);

  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  }, timeout);

  it('submit --wait --json, then results --order value --limit 10 --json give the exact top 10', async () => {
    const submitted = await run(['submit', 'wordcount', '--input', corpus, '--reducers', '2', '--wait', '--json'], env);
    expect(submitted.code).toBe(0);
    const { jobId, job } = JSON.parse(submitted.stdout) as { jobId: string; job: { state: string; phases: { phase: string }[] } };
    expect(job.state).toBe('JOB_STATE_SUCCEEDED');
    expect(job.phases.map((p) => p.phase)).toEqual(['PHASE_MAP', 'PHASE_REDUCE']);

    const res = await run(['results', jobId, '--order', 'value', '--limit', '10', '--json'], env);
    expect(res.code).toBe(0);
    const expected = [...countWords(await readFile(corpus, 'utf8'))]
      .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0))
      .slice(0, 10)
      .map(([key, value]) => ({ key, value }));
    expect((JSON.parse(res.stdout) as { records: unknown[] }).records).toEqual(expected);

    const jobs = JSON.parse((await run(['jobs', '--json'], env)).stdout) as { jobs: { id: string }[] };
    expect(jobs.jobs.map((j) => j.id)).toContain(jobId);
  }, timeout);

  it('cluster --json lists every node with role, address and slots', async () => {
    const res = await run(['cluster', '--json'], env);
    expect(res.code).toBe(0);
    const { nodes } = JSON.parse(res.stdout) as { nodes: { id: string; role: string; address: string; slots: number; state: string }[] };
    const workers = nodes.filter((n) => n.role === 'NODE_ROLE_MAPPER' || n.role === 'NODE_ROLE_REDUCER');
    expect(workers.map((n) => n.id).sort()).toEqual(['mapper-1', 'mapper-2', 'reducer-1']);
    for (const n of workers) {
      expect(n.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(n.slots).toBeGreaterThan(0);
      expect(n.state).toBe('NODE_STATE_ALIVE');
    }
    expect(nodes.map((n) => n.role)).toEqual(expect.arrayContaining(['NODE_ROLE_GATEWAY', 'NODE_ROLE_COORDINATOR']));
  }, timeout);

  it('exits 2 for an unknown function or a missing file, 3 when the gateway is unreachable', async () => {
    const unknown = await run(['submit', 'no-such-job', '--text', 'a'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('(NotFound)');
    const missing = await run(['submit', 'wordcount', '--input', join(dir, 'absent.txt')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(dir, 'absent.txt'));
    const down = await run(['cluster', '--gateway', 'http://127.0.0.1:1']);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach the gateway at http://127.0.0.1:1');
  }, timeout);

  it('scatter --json returns every item by index with a summary', async () => {
    const res = await run(['scatter', 'count-primes', '--inputs', '[10, 100, 1000]', '--concurrency', '2', '--json'], env);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { items: { index: number; ok: boolean; value: number }[]; summary: { succeeded: number } };
    expect(doc.items.map((i) => [i.index, i.ok, i.value])).toEqual([
      [0, true, 4],
      [1, true, 25],
      [2, true, 168],
    ]);
    expect(doc.summary.succeeded).toBe(3);
  }, timeout);

  it('shows progress bars on a terminal and only plain lines on stderr when piped', async () => {
    const piped = await run(['submit', 'wordcount', '--input', corpus, '--wait'], env);
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toContain('tasks');
    expect(piped.stdout).toMatch(/^submitted job \S+\njob \S+ succeeded in .+: \d+ result records\n$/);
    expect(piped.stderr).toMatch(/map \d+\/\d+ tasks/);
    expect(piped.stderr).not.toContain('█');

    const tty = await runOnTty(['submit', 'wordcount', '--input', corpus, '--wait'], env);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('█');
    expect(tty.stdout).toMatch(/reduce .*\d+\/\d+ tasks/);
  }, timeout);
});

describe('weft dev (subprocess)', () => {
  it('prints the gateway line once it accepts calls, and SIGTERM stops every process', async () => {
    const logDir = await mkdtemp(join(tmpdir(), 'weft-dev-spec-'));
    const dev = spawn(process.execPath, [weft, 'dev', '--port', '0', '--mappers', '1', '--reducers', '1', '--log-dir', logDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const gateway = await new Promise<string>((resolve, reject) => {
        let out = '';
        dev.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /^gateway: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
          if (m) resolve(m[1]!);
        });
        dev.once('exit', (code) => reject(new Error(`weft dev exited with ${code} before the gateway line`)));
      });
      const up = await run(['cluster', '--json', '--gateway', gateway]);
      expect(up.code).toBe(0);
      const exit = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
      dev.kill('SIGTERM');
      expect(await exit).toBe(0);
      const down = await run(['cluster', '--gateway', gateway]);
      expect(down.code).toBe(3);
    } finally {
      dev.kill('SIGKILL');
      await rm(logDir, { recursive: true, force: true });
    }
  }, timeout);
});
