import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

/** One simulated host: its own network namespace, address and link to the shared bridge. */
export interface Host {
  readonly name: string;
  /** The network namespace, for `ip netns exec`. */
  readonly netns: string;
  readonly ip: string;
  /** The host-side end of the host's veth pair: setting it down cuts the host off. */
  readonly link: string;
}

/** A set of hosts on one bridge (a flat L2 network, like pods on a cluster network). */
export interface HostNetwork {
  readonly hosts: ReadonlyMap<string, Host>;
  /** The bridge's own address: the test process, outside every namespace, reaches hosts through it. */
  readonly bridgeIp: string;
  /** Cuts `host`'s link: its packets stop flowing both ways, its processes keep running. */
  cut(host: string): void;
  /** Deletes namespaces, links and hosts files; safe to call more than once. */
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Why this machine cannot create network namespaces, or undefined when it can (root, iproute2,
 * a kernel that permits `ip netns add` and veth pairs). Probes with a throw-away namespace.
 */
export function netnsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `weft-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    return undefined;
  } catch (error) {
    return `the kernel refused a network namespace or veth pair: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || String(error)}`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // Nothing was created.
    }
  }
}

/**
 * Creates one network namespace per entry of `names`, each with a veth pair into a fresh bridge
 * on a /24 of its own, and an /etc/netns/<ns>/hosts that resolves every host name (so a URL such
 * as http://coordinator:7400 works as Kubernetes Service DNS would). Names carry the process id,
 * so parallel runs never collide. Throws (after cleaning up) if any step fails.
 */
export function createHostNetwork(names: readonly string[]): HostNetwork {
  const tag = process.pid % 100_000;
  // 10.213.x.0/24, x from the pid: keeps concurrent runs on different subnets.
  const subnet = `10.213.${tag % 250}`;
  const bridge = `wfb${tag}`;
  const hosts = new Map<string, Host>(
    names.map((name, i) => [name, { name, netns: `weft-${tag}-${name}`, ip: `${subnet}.${i + 2}`, link: `wf${tag}h${i}` }]),
  );
  const created: (() => void)[] = [];
  const network: HostNetwork = {
    hosts,
    bridgeIp: `${subnet}.1`,
    cut: (host) => ip('link', 'set', hosts.get(host)!.link, 'down'),
    destroy: () => {
      for (const undo of created.splice(0).reverse()) {
        try {
          undo();
        } catch {
          // Already gone (a namespace takes its veth end with it).
        }
      }
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    created.push(() => ip('link', 'del', bridge));
    ip('addr', 'add', `${network.bridgeIp}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    const hostsFile = [...hosts.values()].map((h) => `${h.ip} ${h.name}`).join('\n');
    for (const host of hosts.values()) {
      ip('netns', 'add', host.netns);
      created.push(() => ip('netns', 'del', host.netns));
      const etc = `/etc/netns/${host.netns}`;
      mkdirSync(etc, { recursive: true });
      created.push(() => rmSync(etc, { recursive: true, force: true }));
      writeFileSync(`${etc}/hosts`, `127.0.0.1 localhost\n${hostsFile}\n`);
      ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns);
      created.push(() => ip('link', 'del', host.link));
      ip('link', 'set', host.link, 'master', bridge, 'up');
      ip('-n', host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
      ip('-n', host.netns, 'link', 'set', 'eth0', 'up');
      ip('-n', host.netns, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    network.destroy();
    throw error;
  }
  return network;
}

/**
 * Whether a TCP connection from inside `netns` to `ip:port` opens within `timeoutMs`: a dropped
 * SYN (a firewall) and a refusal both count as unreachable.
 */
export function tcpReachable(netns: string, ip: string, port: number, node: string, timeoutMs = 1_000): boolean {
  const script = `const s = require('node:net').connect({ host: ${JSON.stringify(ip)}, port: ${port}, timeout: ${timeoutMs} });
s.on('connect', () => { process.stdout.write('open'); s.destroy(); });
s.on('timeout', () => s.destroy());
s.on('error', () => {});`;
  return execFileSync('ip', ['netns', 'exec', netns, node, '-e', script], { encoding: 'utf8' }) === 'open';
}
