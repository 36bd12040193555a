import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster } from './local-cluster.js';
import type { LocalCluster, LocalClusterOptions } from './local-cluster.js';

// The fixture stands in for the four services so these tests pin the launcher's own behaviour
// (env, order, ports, signals, failures); libs/testing runs the real services.
const fake = fileURLToPath(new URL('./__fixtures__/fake-service.mjs', import.meta.url));
const entryPoints = { coordinator: fake, gateway: fake, mapper: fake, reducer: fake };

function start(opts: Partial<LocalClusterOptions> = {}): Promise<LocalCluster> {
  return startLocalCluster({ mappers: 2, reducers: 1, entryPoints, startTimeoutMs: 10_000, ...opts });
}

/** Pids of this process's live node children (zombies and the `ps` itself excluded). */
function children(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim();
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, stat, comm]) => pid && !stat!.startsWith('Z') && comm !== 'ps')
    .map(([pid]) => Number(pid));
}

function procState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0);
}

function startingLine(logFile: string): Record<string, unknown> {
  const line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"starting"'))!;
  return (JSON.parse(line) as { env: Record<string, unknown> }).env;
}

describe('startLocalCluster', () => {
  let logDir: string;
  beforeEach(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'launcher-spec-'));
  });
  afterEach(async () => {
    await rm(logDir, { recursive: true, force: true });
  });

  it('starts coordinator, workers and gateway with the documented env, then waits for readiness', async () => {
    const seen: string[][] = [];
    const cluster = await start({
      logDir,
      threadsPerNode: 3,
      env: { WEFT_TEST_MODE: '1' },
      waitUntilReady: async (c) => {
        seen.push(c.nodes.map((n) => n.name));
      },
    });
    try {
      expect(cluster.nodes.map((n) => n.name)).toEqual(['coordinator', 'mapper-1', 'mapper-2', 'reducer-1', 'gateway']);
      expect(seen).toEqual([cluster.nodes.map((n) => n.name)]);
      expect(cluster.nodes.filter((n) => n.role === 'mapper').map((n) => n.id)).toEqual(['mapper-1', 'mapper-2']);
      expect(cluster.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(cluster.gatewayUrl)).text()).toBe('ok');
      const mapperEnv = startingLine(join(logDir, 'mapper-1.log'));
      expect(mapperEnv).toMatchObject({ coordinatorUrl: cluster.coordinatorUrl, threads: '3', mode: '1', dataDir: null });
      expect(startingLine(join(logDir, 'gateway.log'))).toMatchObject({ coordinatorUrl: cluster.coordinatorUrl });
      expect(startingLine(join(logDir, 'coordinator.log')).dataDir).toEqual(expect.stringContaining('weft-coordinator-'));
    } finally {
      await cluster.stop();
    }
    expect(children()).toEqual([]);
  });

  it('kills, pauses, resumes and restarts a node on the same port', async () => {
    let readiness = 0;
    const cluster = await start({ waitUntilReady: async () => void readiness++ });
    const ownLogDir = cluster.logDir;
    try {
      const mapper = cluster.nodes.find((n) => n.name === 'mapper-1')!;
      const { url, pid } = mapper;
      mapper.pause();
      await waitFor(() => procState(pid!) === 'T');
      mapper.resume();
      await waitFor(() => procState(pid!) !== 'T');
      mapper.kill();
      expect(await mapper.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(mapper.running).toBe(false);
      await mapper.restart();
      expect(mapper.running).toBe(true);
      expect(mapper.pid).not.toBe(pid);
      expect(mapper.url).toBe(url);
      expect(mapper.id).toBe('mapper-1');
      expect(readiness).toBe(2);
      const added = await cluster.addNode('reducer');
      expect(added.name).toBe('reducer-2');
      expect(readiness).toBe(3);
    } finally {
      await cluster.stop();
    }
    expect(existsSync(ownLogDir)).toBe(false);
    expect(children()).toEqual([]);
  });

  it('stop() SIGKILLs a process that ignores SIGTERM, and is idempotent', async () => {
    const cluster = await start({ env: { FAKE_STUBBORN: 'mapper' }, stopGraceMs: 200 });
    const mapper = cluster.nodes.find((n) => n.role === 'mapper')!;
    const first = cluster.stop();
    expect(cluster.stop()).toBe(first);
    await first;
    expect(await mapper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await cluster.nodes.find((n) => n.role === 'gateway')!.exited).toEqual({ code: 0, signal: null });
    expect(children()).toEqual([]);
  });

  it('rejects with the last log lines of a service that dies at start, and stops the others', async () => {
    const err = await start({ logDir, env: { FAKE_FAIL: 'reducer' } }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('reducer-1 exited before it was ready (exit code 1)');
    expect((err as Error).message).toContain('config invalid: COORDINATOR_URL is required');
    expect(existsSync(join(logDir, 'reducer-1.log'))).toBe(true);
    expect(children()).toEqual([]);
  });

  it('rejects when a service never gets ready', async () => {
    const err = await start({ env: { FAKE_HANG: 'gateway' }, startTimeoutMs: 500 }).catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain('gateway was not ready after 500 ms');
    expect(children()).toEqual([]);
  });

  it('validates counts and names a missing entry point', async () => {
    await expect(startLocalCluster({ mappers: 0, reducers: 1, entryPoints })).rejects.toThrow(
      'options.mappers must be a positive integer, got 0',
    );
    await expect(startLocalCluster({ mappers: 1, reducers: 1, entryPoints: { ...entryPoints, mapper: '/nope/main.js' } })).rejects.toThrow(
      '/nope/main.js does not exist: build the services first',
    );
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
