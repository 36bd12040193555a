import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkHealth, servingStatus } from './grpc-health.js';
import { createHostNetwork, netnsUnavailableReason, tcpReachable, type Host, type HostNetwork } from './netns/host-network.js';
import { applyRuleset, ingressRuleset, nftUnavailableReason, type PolicyPeer } from './netns/network-policy.js';
import { nodeBinary, startInNamespace, type ServiceProcess } from './netns/service-process.js';
import { weft } from './netns/weft-cli.js';
import { resolvePodEnv } from './pod-env.js';
import { renderOverlay, type K8sObject } from './render.js';
import { componentOf, weftWorkloads, type Workload } from './workloads.js';

// Each "host" is a network namespace with its own address on a shared bridge; every service runs
// with the environment the dev overlay gives its pod, behind the overlay's NetworkPolicies turned
// into nftables rules, so this also runs the manifests' wiring (Service names, advertised pod IPs,
// ports, allowed traffic) across real network boundaries.
const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`multi-host test skipped: ${unavailable}`);
const describeWithNetns = unavailable ? describe.skip : describe;

/**
 * Settings this test changes from the manifests, and why: detect the cut link in ~2 s instead of
 * the production 5 s; split the small corpus into many map tasks so both mappers get some; one
 * worker thread per service, since five services share two cores here; debug logs on mappers,
 * whose "map task done" line tells the test when to cut the link.
 */
const testOverrides: Record<string, Record<string, string>> = {
  coordinator: { COORDINATOR_HEARTBEAT_INTERVAL: '300ms', COORDINATOR_NODE_TIMEOUT: '2s', COORDINATOR_SPLIT_SIZE: '192KiB' },
  mapper: { MAPPER_POOL_MAX_THREADS: '1', WEFT_LOG_LEVEL: 'debug' },
  reducer: { REDUCER_POOL_MAX_THREADS: '1' },
};

/** The dev overlay's pod template for `host` (host `mapper-1` runs a pod of Deployment mapper). */
function podOf(objects: readonly K8sObject[], host: Host): Workload {
  return weftWorkloads(objects).find((w) => componentOf(w) === host.name.replace(/-\d+$/, ''))!;
}

/** The environment `host` gets as a pod of the dev overlay, with its volumes under `dataDir`. */
function hostEnv(objects: readonly K8sObject[], host: Host, bridgeIp: string, dataDir: string): Record<string, string> {
  const component = host.name.replace(/-\d+$/, '');
  const workload = podOf(objects, host);
  const container = workload.spec.containers[0]!;
  const { values } = resolvePodEnv(workload, container, objects, { ip: host.ip, node: host.name, hostIp: bridgeIp, name: host.name });
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    // No OpenTelemetry Collector runs here: drop the variables that point the SDK at it.
    if (name.startsWith('OTEL_')) continue;
    // A volume mount path becomes a directory of this test.
    const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === value);
    env[name] = mount ? path.join(dataDir, host.name, mount.name) : value;
  }
  return { ...env, ...testOverrides[component] };
}

/** A deterministic corpus and its word counts, computed the way `wordcount` defines them. */
function corpus(lines: number): { text: string; counts: Map<string, number> } {
  const words = ['Weft', 'map', 'reduce', 'shuffle', 'the', 'a', 'node', 'Straggler', 'retry', 'ÉTÉ', 'été', 'partition', 'spill'];
  const counts = new Map<string, number>();
  const out: string[] = [];
  let seed = 7;
  for (let i = 0; i < lines; i++) {
    const line: string[] = [];
    for (let j = 0; j < 12; j++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const word = `${words[seed % words.length]}${seed % 97}`;
      line.push(word);
      counts.set(word.toLowerCase(), (counts.get(word.toLowerCase()) ?? 0) + 1);
    }
    out.push(line.join(seed % 3 === 0 ? '\t' : ' '));
  }
  return { text: `${out.join('\n')}\n`, counts };
}

interface NodeJson {
  id: string;
  role: string;
  state: string;
}

describeWithNetns('Weft on separate hosts (network namespaces)', () => {
  let network: HostNetwork | undefined;
  const services: ServiceProcess[] = [];
  let dir = '';
  /** Where the tests' input files live: the coordinator's host sees it, the mappers' hosts do not. */
  let inputsDir = '';
  let gateway = '';
  let objects: K8sObject[] = [];

  async function aliveNodes(): Promise<NodeJson[]> {
    const { nodes } = JSON.parse(await weft(gateway, ['cluster', '--json'])) as { nodes: NodeJson[] };
    return nodes.filter((n) => n.state === 'NODE_STATE_ALIVE');
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-multi-host-'));
    objects = await renderOverlay('dev');
    network = createHostNetwork(['coordinator', 'gateway', 'mapper-0', 'mapper-1', 'reducer-0']);
    // Enforce the policies before any service starts, so no connection predates them.
    const noNft = nftUnavailableReason();
    if (noNft) throw new Error(`cannot enforce NetworkPolicies: ${noNft}`);
    const peers: PolicyPeer[] = [...network.hosts.values()].map((host) => ({ host: host.name, ip: host.ip, pod: podOf(objects, host) }));
    for (const peer of peers) applyRuleset(network.hosts.get(peer.host)!.netns, ingressRuleset(objects, peer, peers, network.bridgeIp));
    // The manifests give mappers no volume of the coordinator's (COORDINATOR_SHARED_FILES=false):
    // the mappers' hosts do not see the input files nor the coordinator's data dir (uploads).
    inputsDir = path.join(dir, 'inputs');
    const coordinatorData = path.join(dir, 'coordinator');
    for (const made of [inputsDir, coordinatorData]) mkdirSync(made, { recursive: true });
    for (const host of network.hosts.values()) {
      const component = host.name.replace(/-\d+$/, '');
      const script = `services/${component}/dist/main.js`;
      const hidden = component === 'mapper' ? [inputsDir, coordinatorData] : [];
      services.push(startInNamespace(host.name, host.netns, script, hostEnv(objects, host, network.bridgeIp, dir), dir, hidden));
    }
    const gatewayPort = weftWorkloads(objects).find((w) => componentOf(w) === 'gateway')!.spec.containers[0]!.ports![0]!.containerPort;
    gateway = `http://${network.hosts.get('gateway')!.ip}:${gatewayPort}`;

    const deadline = Date.now() + 30_000;
    for (;;) {
      const alive = await aliveNodes().catch(() => []);
      if (alive.filter((n) => n.role === 'NODE_ROLE_MAPPER').length === 2 && alive.some((n) => n.role === 'NODE_ROLE_REDUCER')) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not come up:\n${tails(services)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }, 45_000);

  afterAll(async () => {
    // A host whose link is down cannot drain (its peers are unreachable): do not wait for it.
    await Promise.all(services.map((s) => s.stop(s.name === 'mapper-0' ? 500 : 5_000)));
    network?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('answers the kubelet\'s gRPC probes on every host, at the pod IP and the port the manifests name', async () => {
    const statuses: Record<string, number> = {};
    for (const host of network!.hosts.values()) {
      const workload = podOf(objects, host);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        const port = workload.spec.containers[0]![probe]!.grpc!.port;
        statuses[`${host.name} ${probe}`] = await checkHealth(host.ip, port);
      }
    }
    expect(Object.values(statuses).every((status) => status === servingStatus.SERVING)).toBe(true);
    expect(Object.keys(statuses)).toHaveLength(15);
  });

  it('lets workers reach each other but keeps the gateway off the workers, as the policies say', () => {
    const hosts = network!.hosts;
    const mapper = hosts.get('mapper-0')!;
    expect(tcpReachable(hosts.get('reducer-0')!.netns, mapper.ip, 7401, nodeBinary)).toBe(true);
    expect(tcpReachable(hosts.get('gateway')!.netns, mapper.ip, 7401, nodeBinary)).toBe(false);
  });

  it('maps a file and an upload that no mapper can see: the coordinator sends each split\'s lines', async () => {
    const { text, counts } = corpus(20_000);
    const file = path.join(inputsDir, 'small.txt');
    writeFileSync(file, text);
    // Each service's view of the file system, through its own mount namespace.
    const sees = Object.fromEntries(services.filter((s) => s.name !== 'gateway' && !s.name.startsWith('reducer')).map((s) => [s.name, existsSync(`/proc/${s.pid}/root${file}`)]));
    expect(sees).toEqual({ coordinator: true, 'mapper-0': false, 'mapper-1': false });
    for (const source of [['--input', file], ['--upload', file]]) {
      const { jobId, job } = JSON.parse(await weft(gateway, ['submit', 'wordcount', ...source, '--reducers', '2', '--wait', '--json'], 45_000)) as { jobId: string; job: { state: string } };
      expect({ source: source[0], state: job.state }).toEqual({ source: source[0], state: 'JOB_STATE_SUCCEEDED' });
      const { records } = JSON.parse(await weft(gateway, ['results', jobId, '--json', '--limit', '100000'])) as { records: { key: string; value: number | string }[] };
      expect(new Map(records.map((r) => [r.key, Number(r.value)]))).toEqual(counts);
    }
  }, 60_000);

  it('counts words correctly across hosts, even when a mapper\'s link is cut mid-job', async () => {
    const lines = 100_000;
    const { text, counts } = corpus(lines);
    const input = path.join(inputsDir, 'corpus.txt');
    writeFileSync(input, text);

    // Both mappers run as slow hosts (20 ms of every 100 ms), so the map phase lasts seconds however
    // fast or loaded this machine is, and the cut below lands early in it.
    const mappers = services.filter((s) => s.name.startsWith('mapper-'));
    const releases = mappers.map((s) => s.throttle(20, 100));
    // Cut mapper-0 off the moment it finishes its first map task (its debug log says so): it then
    // holds map output the reducers will need and may be running another task; all of it is lost
    // with the link, while the process keeps running.
    let cutAt: number | undefined;
    mappers[0]!.onLine((line) => {
      if (cutAt === undefined && line.includes('"map task done"')) {
        cutAt = Date.now();
        network!.cut('mapper-0');
      }
    });
    const submitted = await weft(gateway, ['submit', 'wordcount', '--input', input, '--reducers', '2', '--wait', '--json'], 45_000)
      .catch((error: Error) => `${error.message}\n${tails(services)}`)
      .finally(() => releases.forEach((release) => release()));

    if (!submitted.startsWith('{')) throw new Error(`weft submit failed: ${submitted}`);
    if (cutAt === undefined) throw new Error(`mapper-0 finished no map task, so the link was never cut:\n${submitted}\n${tails(services)}`);
    const cutMs = cutAt;
    const { jobId, job } = JSON.parse(submitted) as { jobId: string; job: { state: string; counters: Record<string, string> } };
    expect(job.state).toBe('JOB_STATE_SUCCEEDED');
    // Mapper-0's work was redone elsewhere: some map task got another attempt after the cut. Which
    // task, and why, depends on timing: an attempt running on mapper-0 failed when the node was
    // declared lost and was retried; or it got a backup attempt (its node became suspect, or it
    // straggled at the end of the phase) that won, so it ended cancelled rather than failed; or a
    // finished output of mapper-0's was recomputed before the reducers could read it. The job's
    // trace (the coordinator keeps it whether or not spans are exported) names every attempt.
    const { spans } = JSON.parse(await weft(gateway, ['trace', jobId, '--source', 'gateway', '--json'])) as { spans: { name: string; startMs: number }[] };
    const rerun = spans.filter((s) => Number(/^map m-\d+ attempt (\d+)$/.exec(s.name)?.[1] ?? 0) > 1 && s.startMs >= cutMs).map((s) => s.name);
    expect({ counters: job.counters, redone: rerun.length > 0 }).toEqual({ counters: job.counters, redone: true });
    const { records } = JSON.parse(await weft(gateway, ['results', jobId, '--json', '--limit', '100000'])) as { records: { key: string; value: number | string }[] };
    expect(new Map(records.map((r) => [r.key, Number(r.value)]))).toEqual(counts);
    expect((await aliveNodes()).map((n) => n.id)).not.toContain('mapper-0');
  }, 60_000);
});

/** The end of every service's log, for a failure message. */
function tails(services: readonly ServiceProcess[]): string {
  return services.map((s) => `--- ${s.name}\n${readFileSync(s.logFile, 'utf8').slice(-1500)}`).join('\n');
}
