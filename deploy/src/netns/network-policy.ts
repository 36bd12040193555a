import { execFileSync } from 'node:child_process';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { K8sObject } from '../render.js';
import { containerDeclaresPort, isEmptySelector, selectorMatches, type Workload } from '../workloads.js';

/** A host as a NetworkPolicy sees it: the pod it runs and that pod's address. */
export interface PolicyPeer {
  readonly host: string;
  readonly ip: string;
  readonly pod: Workload;
}

/**
 * Translates the rendered NetworkPolicies into an nftables ruleset for `target`'s namespace, as a
 * CNI enforces them: when no policy selects the pod for Ingress everything is admitted; otherwise
 * only the union of the selecting policies' rules, plus replies on established connections and
 * the kubelet's probes from the node (`nodeIp`), which CNIs admit regardless of policy.
 * Supports what Weft's manifests use: pod selectors within the namespace, "from anywhere" rules,
 * and numbered or named TCP ports. Throws on anything else rather than enforce it wrongly.
 */
export function ingressRuleset(objects: readonly K8sObject[], target: PolicyPeer, peers: readonly PolicyPeer[], nodeIp: string): string {
  const policies = (objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[]).filter((p) => {
    const selector = p.spec?.podSelector ?? {};
    const types = p.spec?.policyTypes ?? ['Ingress'];
    return types.includes('Ingress') && (isEmptySelector(selector) || selectorMatches(selector, target.pod.labels));
  });
  if (policies.length === 0) return '';

  const container = target.pod.spec.containers[0]!;
  const resolvePort = (port: number | string): number => {
    if (typeof port === 'number') return port;
    const found = (container.ports ?? []).find((p) => p.name === port);
    if (!found) throw new Error(`${target.host}: policy names port ${port}, which the pod does not declare`);
    return found.containerPort;
  };
  const rules: string[] = [];
  for (const policy of policies) {
    for (const rule of policy.spec?.ingress ?? []) {
      let sources: string[] | undefined;
      for (const peer of rule.from ?? []) {
        if (peer.ipBlock || peer.namespaceSelector || !peer.podSelector) throw new Error(`${policy.metadata?.name}: only podSelector peers are supported here`);
        sources = [...(sources ?? []), ...peers.filter((p) => selectorMatches(peer.podSelector!, p.pod.labels)).map((p) => p.ip)];
      }
      if (sources?.length === 0) continue;
      const ports = (rule.ports ?? []).map((p) => {
        if ((p.protocol ?? 'TCP') !== 'TCP' || p.endPort !== undefined) throw new Error(`${policy.metadata?.name}: only single TCP ports are supported here`);
        return p.port === undefined ? undefined : resolvePort(p.port);
      });
      const from = sources ? `ip saddr { ${sources.join(', ')} } ` : '';
      if (ports.length === 0 || ports.includes(undefined)) rules.push(`${from}accept`);
      else rules.push(`${from}tcp dport { ${ports.join(', ')} } accept`);
    }
  }
  const probePorts = [container.startupProbe, container.readinessProbe, container.livenessProbe]
    .map((probe) => probe?.grpc?.port)
    .filter((port): port is number => port !== undefined && containerDeclaresPort(container, port));
  if (probePorts.length > 0) rules.push(`ip saddr ${nodeIp} tcp dport { ${[...new Set(probePorts)].join(', ')} } accept`);
  return [
    'table inet weft_policy {',
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    ct state established,related accept',
    '    iif lo accept',
    ...rules.map((rule) => `    ${rule}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Loads `ruleset` into network namespace `netns` with nft; throws with nft's message on failure. */
export function applyRuleset(netns: string, ruleset: string): void {
  if (ruleset) execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: ruleset, stdio: ['pipe', 'ignore', 'pipe'] });
}

/** Why NetworkPolicies cannot be enforced in the multi-host test, or undefined when `nft` runs. */
export function nftUnavailableReason(): string | undefined {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'nft (Debian package nftables) is missing: apt-get install -y nftables';
  }
}
