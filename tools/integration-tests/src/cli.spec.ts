import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpusFile } from '@weft/corpus';
import { SETUP_TIMEOUT_MS } from './support/cluster-suite.js';
import { waitForExit } from './support/process-alive.js';
import { diffCounts, noDifferences, referenceWordCount, referenceWordCountOfFiles, topByValue } from './support/reference-word-count.js';
import { runWeft, startWeftDev } from './support/weft-cli.js';
import type { DevNode, WeftDev, WeftRun } from './support/weft-cli.js';
import { WHITESPACE_EDGE_TEXT } from './support/whitespace-edge-text.js';

// Issue 2, "Must show": against a running `weft dev`, `weft submit wordcount --input FILE --wait
// --json` then `weft results JOB --order value --limit 10 --json` return the right top 10, and
// `weft cluster` lists every node with its role, address and slots. Each command is its own
// process, exactly as a user or script runs it; exit codes are part of the interface.

const MiB = 1024 * 1024;

let dir = '';
let corpus = '';
let corpusCounts = new Map<string, number>();
let dev: WeftDev | undefined;
let devNodes: DevNode[] = [];
let failed = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-it-cli-'));
  corpus = join(dir, 'corpus-8mib.txt');
  await writeFile(join(dir, 'edge.txt'), WHITESPACE_EDGE_TEXT);
  const logDir = join(dir, 'logs');
  const [started] = await Promise.all([
    // 1 MiB splits so the 8 MiB corpus is spread over both mappers.
    startWeftDev(['--port', '0', '--mappers', '2', '--reducers', '2', '--threads', '2', '--log-dir', logDir], logDir, {
      env: { COORDINATOR_SPLIT_SIZE: '1MiB' },
    }),
    (async () => {
      await generateCorpusFile(corpus, { bytes: 8 * MiB, seed: 8080 });
      corpusCounts = await referenceWordCountOfFiles([corpus]);
    })(),
  ]);
  dev = started;
  devNodes = await dev.nodes();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  // The last test stops weft dev and checks it; this is the safety net when a test failed first.
  if (dev?.running) {
    const pids = (await dev.nodes()).map((n) => n.pid);
    await dev.stop();
    for (const pid of await waitForExit(pids)) process.kill(pid, 'SIGKILL');
    failed = true;
  }
  if (failed) process.stderr.write(`[cli] kept the inputs and weft dev logs in ${dir}\n`);
  else if (dir) await rm(dir, { recursive: true, force: true });
}, SETUP_TIMEOUT_MS);

/**
 * Wraps a test body: when it fails, the error gets weft dev's output and the last lines of every
 * service log, and the temp dir (inputs and full logs) is kept.
 */
function withDevLogs(fn: () => Promise<void> | void): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
        (err as Error).message += `\n\nweft dev output:\n${dev?.output() ?? ''}\nservice logs:\n${(await dev?.logTail()) ?? ''}`;
      }
      throw err;
    }
  };
}

/** Runs `weft ...` against the dev cluster's gateway. */
function weft(...args: string[]): Promise<WeftRun> {
  return runWeft([...args, '--gateway', dev!.gatewayUrl], { cwd: dir });
}

/** Parses stdout as the single JSON document `--json` promises, failing with the whole run if it is not. */
function json<T>(run: WeftRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${JSON.stringify(run, null, 2)}`);
  }
}

/** The parts of a run a test pins, so a failure shows the output next to the exit code. */
function outcome(run: WeftRun): { code: number | null; stderr: string } {
  return { code: run.code, stderr: run.stderr };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface SubmitJson {
  jobId: string;
  job: { id: string; function: string; state: string; reducers: number; resultCount: string; error: string };
}
interface ResultsJson {
  jobId: string;
  order: string;
  records: { key: string; value: number }[];
}
interface ClusterJson {
  nodes: { id: string; role: string; address: string; slots: number; state: string }[];
}

describe('the weft CLI against `weft dev --mappers 2 --reducers 2`', () => {
  let jobId = '';

  it('`weft dev` printed its gateway line and started every service', withDevLogs(() => {
    expect(dev!.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(devNodes.map((n) => n.name)).toEqual(['coordinator', 'gateway', 'mapper-1', 'mapper-2', 'reducer-1', 'reducer-2']);
  }));

  it('`weft submit wordcount --input FILE --wait --json` exits 0 with the succeeded job as one JSON document', withDevLogs(async () => {
    const run = await weft('submit', 'wordcount', '--input', corpus, '--reducers', '2', '--wait', '--json');
    expect(outcome(run)).toEqual({ code: 0, stderr: expect.any(String) });
    const doc = json<SubmitJson>(run);
    jobId = doc.jobId;
    expect(doc.job).toMatchObject({ id: jobId, function: 'wordcount', state: 'JOB_STATE_SUCCEEDED', reducers: 2, resultCount: String(corpusCounts.size), error: '' });
  }));

  it('`weft results JOB --order value --limit 10 --json` returns the right top 10', withDevLogs(async () => {
    expect(jobId).not.toBe('');
    const run = await weft('results', jobId, '--order', 'value', '--limit', '10', '--json');
    expect(outcome(run)).toEqual({ code: 0, stderr: '' });
    expect(json<ResultsJson>(run)).toEqual({ jobId, order: 'value', records: topByValue(corpusCounts, 10) });
  }));

  it('`weft results JOB --json` returns every word with its exact count, and the table form shows the top', withDevLogs(async () => {
    expect(jobId).not.toBe('');
    const all = await weft('results', jobId, '--json');
    expect(outcome(all)).toEqual({ code: 0, stderr: '' });
    const doc = json<ResultsJson>(all);
    expect(doc.order).toBe('key');
    const counts = new Map(doc.records.map((r) => [r.key, r.value]));
    expect(counts.size).toBe(doc.records.length);
    expect(diffCounts(corpusCounts, counts)).toEqual(noDifferences(corpusCounts.size));

    const table = await weft('results', jobId, '--order', 'value', '--limit', '3');
    expect(outcome(table)).toEqual({ code: 0, stderr: '' });
    for (const { key, value } of topByValue(corpusCounts, 3)) expect(table.stdout).toMatch(new RegExp(`│ ${escapeRegExp(key)} +│ ${value} +│`));
  }));

  it('resolves a relative `--input` against the working directory', withDevLogs(async () => {
    const run = await weft('submit', 'wordcount', '--input', 'edge.txt', '--wait', '--json');
    expect(outcome(run)).toEqual({ code: 0, stderr: expect.any(String) });
    const results = await weft('results', json<SubmitJson>(run).jobId, '--json');
    const counts = new Map(json<ResultsJson>(results).records.map((r) => [r.key, r.value]));
    const expected = referenceWordCount(WHITESPACE_EDGE_TEXT);
    expect(diffCounts(expected, counts)).toEqual(noDifferences(expected.size));
  }));

  it('`weft cluster --json` lists every node with its role, address and slots', withDevLogs(async () => {
    const run = await weft('cluster', '--json');
    expect(outcome(run)).toEqual({ code: 0, stderr: '' });
    const listed = json<ClusterJson>(run).nodes.map(({ id, role, address, slots, state }) => ({ id, role, address, slots, state }));
    // Addresses and ids as each service logged them when it became ready; slots = --threads 2.
    const expected = devNodes.map((n) => {
      const role = n.name.replace(/-\d+$/, '');
      const worker = role === 'mapper' || role === 'reducer';
      return { id: n.nodeId, role: `NODE_ROLE_${role.toUpperCase()}`, address: n.address, slots: worker ? 2 : 0, state: 'NODE_STATE_ALIVE' };
    });
    const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
    expect([...listed].sort(byId)).toEqual([...expected].sort(byId));
    expect(listed.find((n) => n.role === 'NODE_ROLE_GATEWAY')?.address).toBe(dev!.gatewayUrl);
  }));

  it('`weft cluster` prints a table row per node with its role, address and slots', withDevLogs(async () => {
    const run = await weft('cluster');
    expect(outcome(run)).toEqual({ code: 0, stderr: '' });
    const rows = run.stdout.split('\n').filter((line) => line.startsWith('│') && !line.includes(' ID '));
    expect(rows).toHaveLength(devNodes.length);
    for (const n of devNodes) {
      const role = n.name.replace(/-\d+$/, '');
      const slots = role === 'mapper' || role === 'reducer' ? '2' : '-';
      const row = rows.find((r) => r.includes(`│ ${n.nodeId} `));
      expect(row?.split('│').slice(1, 6).map((cell) => cell.trim())).toEqual([n.nodeId, role, n.address, 'alive', slots]);
    }
  }));

  it('exits 2 for a request the gateway rejects, 1 for a failed job and 3 for an unreachable gateway', withDevLogs(async () => {
    const unknown = await weft('submit', 'no-such-job', '--text', 'a b', '--wait');
    expect(outcome(unknown)).toEqual({ code: 2, stderr: 'error: no job named "no-such-job" is registered (NotFound)\n' });

    const missing = await weft('submit', 'wordcount', '--input', 'no-such-file.txt', '--wait', '--json');
    expect(outcome(missing)).toEqual({
      code: 2,
      stderr: `error: spec.inputs[0].file.path names a file that does not exist: ${join(dir, 'no-such-file.txt')} (InvalidArgument)\n`,
    });
    expect(missing.stdout).toBe('');

    const tooMany = await weft('submit', 'wordcount', '--text', 'a', '--reducers', '1025');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('spec.reducers must be between 1 and 1024, got 1025');

    // A record that is not an integer makes every map attempt throw: the job fails.
    const failed = await weft('submit', 'sum-of-squares', '--text', '1', '--text', 'abc', '--wait', '--json');
    expect(failed.code).toBe(1);
    expect(json<SubmitJson>(failed).job).toMatchObject({ state: 'JOB_STATE_FAILED', error: expect.stringContaining('not an integer: "abc"') });

    const badOrder = await weft('results', jobId || 'job-x', '--order', 'sideways');
    expect(outcome(badOrder)).toEqual({ code: 2, stderr: 'error: --order must be "key" or "value", got "sideways"\n' });

    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    const unreachable = await runWeft(['cluster', '--gateway', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the gateway at http:\/\/127\.0\.0\.1:9: /);
  }));

  describe('on SIGTERM', () => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

    it('`weft dev` ends and takes every service process with it', withDevLogs(async () => {
      const pids = devNodes.map((n) => n.pid);
      expect(pids).toHaveLength(6);
      exit = await dev!.stop();
      expect(await waitForExit(pids)).toEqual([]);
    }));

    it('`weft dev` stops its cluster gracefully and exits 0', withDevLogs(() => {
      expect({ exit, output: dev!.output() }).toEqual({
        exit: { code: 0, signal: null },
        output: expect.stringContaining('SIGTERM: stopping every process...\nstopped\n'),
      });
    }));
  });
});
