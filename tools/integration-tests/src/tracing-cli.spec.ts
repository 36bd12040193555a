import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETUP_TIMEOUT_MS } from './support/cluster-suite.js';
import { waitForExit } from './support/process-alive.js';
import { runWeft, startWeftDev, type WeftDev } from './support/weft-cli.js';

// Issue 9, "Deliver" 6: `weft dev` collects its cluster's spans itself, and `weft trace JOB_ID`
// prints the job's trace as a waterfall (tree, offsets, durations, bars, critical path).

let dir = '';
let dev: WeftDev | undefined;
let tracesUrl = '';

/** A port nothing listens on right now (weft dev's default trace port may be taken on a shared machine). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-it-tracing-cli-'));
  const port = await freePort();
  tracesUrl = `http://127.0.0.1:${port}`;
  const logDir = join(dir, 'logs');
  dev = await startWeftDev(['--port', '0', '--mappers', '1', '--reducers', '1', '--threads', '1', '--traces-port', String(port), '--log-dir', logDir], logDir);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  if (!dev) return;
  const pids = (await dev.nodes()).map((n) => n.pid);
  const exit = await dev.stop();
  const leaked = await waitForExit(pids);
  await rm(dir, { recursive: true, force: true });
  expect({ exit, leaked }).toEqual({ exit: { code: 0, signal: null }, leaked: [] });
}, SETUP_TIMEOUT_MS);

describe('weft trace against weft dev', () => {
  it('prints the waterfall of a job: every service, worker threads, the critical path marked', async () => {
    const input = join(dir, 'words.txt');
    await writeFile(input, 'the quick brown fox\njumps over the lazy dog\n'.repeat(2000));
    const gateway = ['--gateway', dev!.gatewayUrl];
    const submitted = await runWeft(['submit', 'wordcount', '--input', input, '--reducers', '2', '--wait', '--json', ...gateway]);
    expect(submitted.code).toBe(0);
    const jobId = String((JSON.parse(submitted.stdout) as { job?: { id?: string }; jobId?: string }).job?.id ?? (JSON.parse(submitted.stdout) as { jobId?: string }).jobId);
    expect(jobId).toMatch(/^job-/);

    // Right after the job: weft trace waits for the job's last spans to be exported.
    const run = await runWeft(['trace', jobId, '--traces', tracesUrl, '--json', ...gateway]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { jobId: string; traceId: string; spans: { name: string; service: string }[] };
    expect(doc.jobId).toBe(jobId);
    expect(doc.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(doc.spans.map((s) => s.service))).toEqual(new Set(['weft-gateway', 'weft-coordinator', 'weft-mapper', 'weft-reducer']));

    const text = await runWeft(['trace', jobId, '--traces', tracesUrl, ...gateway]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`trace ${doc.traceId} of job ${jobId}`);
    // Header, then one line per span, then the legend.
    expect(lines).toHaveLength(doc.spans.length + 3);
    expect(lines[1]).toMatch(/^ {2}span +service +offset duration 0 +\S+$/);
    expect(lines[2]).toMatch(/^\* serve SubmitJob +gateway +0\.0ms +\S+ █/);
    expect(lines.find((l) => / job wordcount +coordinator /.test(l))).toMatch(/^\* /);
    expect(lines.filter((l) => / map worker thread +mapper /.test(l))).not.toHaveLength(0);
    expect(lines.filter((l) => / reduce worker thread +reducer /.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(new RegExp(`^\\* critical path   ! error   ${doc.spans.length} spans, 4 services, `));
  });

  it('prints a scatter call\'s trace from the trace id weft scatter prints', async () => {
    const scattered = await runWeft(['scatter', 'echo', '--inputs', '["a","b","c"]', '--gateway', dev!.gatewayUrl]);
    expect(scattered.code).toBe(0);
    const traceId = /^trace ([0-9a-f]{32}) \(weft trace \1\)$/m.exec(scattered.stdout)?.[1];
    expect(traceId).toBeDefined();
    const run = await runWeft(['trace', traceId!, '--traces', tracesUrl]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`trace ${traceId}`);
    expect(lines[2]).toMatch(/^\* serve Scatter +gateway /);
    for (const index of [0, 1, 2]) expect(lines.some((l) => new RegExp(` scatter item ${index} attempt 1 +coordinator `).test(l))).toBe(true);
    expect(lines.filter((l) => / run echo +mapper /.test(l))).toHaveLength(3);
  });

  it("reads a job's coordinator spans through the gateway (GetJobTrace): by choice, and when the receiver cannot be reached", async () => {
    const gateway = ['--gateway', dev!.gatewayUrl];
    const submitted = await runWeft(['submit', 'wordcount', '--input', join(dir, 'words.txt'), '--reducers', '2', '--wait', '--json', ...gateway]);
    expect(submitted.code).toBe(0);
    const jobId = String((JSON.parse(submitted.stdout) as { job: { id: string } }).job.id);
    const fromReceiver = JSON.parse((await runWeft(['trace', jobId, '--traces', tracesUrl, '--json', ...gateway])).stdout) as { traceId: string; source: string; spans: { spanId: string; service: string }[] };
    expect(fromReceiver.source).toBe('receiver');

    const run = await runWeft(['trace', jobId, '--source', 'gateway', '--json', ...gateway]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { traceId: string; source: string; spans: { spanId: string; name: string; service: string }[] };
    expect({ traceId: doc.traceId, source: doc.source }).toEqual({ traceId: fromReceiver.traceId, source: 'gateway' });
    // Exactly the coordinator's share of the full trace.
    const coordinator = fromReceiver.spans.filter((span) => span.service === 'weft-coordinator').map((span) => span.spanId).sort();
    expect(doc.spans.map((span) => span.spanId).sort()).toEqual(coordinator);
    expect(doc.spans.some((span) => span.name === 'job wordcount')).toBe(true);

    // No receiver where --traces points: the gateway's spans instead, and the title says so.
    const text = await runWeft(['trace', jobId, '--traces', 'http://127.0.0.1:1', ...gateway]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`trace ${doc.traceId} of job ${jobId} (the coordinator's spans, from GetJobTrace)`);
    expect(lines.find((l) => / job wordcount +coordinator /.test(l))).toMatch(/^\* /);
    expect(lines.at(-1)).toMatch(new RegExp(`^\\* critical path   ! error   ${doc.spans.length} spans, 1 services, `));

    const misuse = await runWeft(['trace', doc.traceId, '--source', 'gateway', ...gateway]);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain('--source gateway needs a job id');
  });

  it('says why when a job has no trace to show', async () => {
    const run = await runWeft(['trace', 'job-does-not-exist', '--traces', tracesUrl, '--gateway', dev!.gatewayUrl]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/job-does-not-exist/);
  });
});
