import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deployDir, overlays } from './paths.js';
import { renderOverlay, type K8sObject } from './render.js';
import { isEmptySelector, podDeclaresPort, containerDeclaresPort, selectorMatches, workloads, type LabelSelector, type Workload } from './workloads.js';

function ofKind<T>(objects: readonly K8sObject[], kind: string): (T & { metadata: { name: string } })[] {
  return objects.filter((o) => o.kind === kind) as unknown as (T & { metadata: { name: string } })[];
}

function selected(all: readonly Workload[], selector: LabelSelector): Workload[] {
  return all.filter((w) => selectorMatches(selector, w.labels));
}

describe.each(overlays)('overlay %s wiring', (overlay) => {
  let objects: K8sObject[];
  let pods: Workload[];
  beforeAll(async () => {
    objects = await renderOverlay(overlay);
    pods = workloads(objects);
  });

  it('gives every Deployment a selector that matches its own pod template', () => {
    for (const w of pods) expect({ [w.name]: selectorMatches(w.deployment.spec!.selector, w.labels) }).toEqual({ [w.name]: true });
  });

  it('selects pods of exactly one Deployment with every Service, on ports those pods declare', () => {
    const problems: string[] = [];
    for (const service of ofKind<IService>(objects, 'Service')) {
      const matches = selected(pods, { matchLabels: service.spec?.selector ?? {} });
      if (!service.spec?.selector || matches.length !== 1) {
        problems.push(`Service/${service.metadata.name} selects ${matches.length} Deployments`);
        continue;
      }
      for (const port of service.spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        if (!podDeclaresPort(matches[0]!.spec, target)) problems.push(`Service/${service.metadata.name} targets undeclared port ${target}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('probes only ports the container declares', () => {
    const problems: string[] = [];
    for (const w of pods) {
      for (const c of w.spec.containers) {
        for (const [kind, probe] of Object.entries({ startup: c.startupProbe, readiness: c.readinessProbe, liveness: c.livenessProbe })) {
          if (!probe) continue;
          const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
          if (port === undefined || !containerDeclaresPort(c, port)) problems.push(`${w.name}/${c.name} ${kind} probe on undeclared port ${port}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('points every PodDisruptionBudget and topology spread constraint at pods that exist', () => {
    const problems: string[] = [];
    for (const pdb of ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget')) {
      if (selected(pods, pdb.spec!.selector!).length === 0) problems.push(`PodDisruptionBudget/${pdb.metadata.name} selects no pods`);
    }
    for (const w of pods) {
      for (const constraint of w.spec.topologySpreadConstraints ?? []) {
        // A constraint that does not select the pod itself spreads nothing.
        if (!constraint.labelSelector || !selectorMatches(constraint.labelSelector, w.labels)) {
          problems.push(`Deployment/${w.name}: spread constraint on ${constraint.topologyKey} does not select its own pods`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('scales only Deployments that leave replicas to the autoscaler and request CPU', () => {
    const problems: string[] = [];
    for (const hpa of ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler')) {
      const ref = hpa.spec!.scaleTargetRef;
      const target = pods.find((w) => ref.kind === 'Deployment' && w.name === ref.name);
      if (!target) {
        problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name} targets missing ${ref.kind}/${ref.name}`);
        continue;
      }
      // `kubectl apply` would reset the autoscaler's replica count on every deploy.
      if (target.deployment.spec!.replicas !== undefined) problems.push(`Deployment/${target.name} sets replicas but is autoscaled`);
      // CPU utilization is measured against requests; without them the autoscaler never acts.
      const usesCpu = (hpa.spec!.metrics ?? []).some((m) => m.resource?.name === 'cpu');
      if (usesCpu && target.spec.containers.some((c) => c.resources?.requests?.['cpu'] === undefined)) {
        problems.push(`Deployment/${target.name} is scaled on CPU but a container requests no CPU`);
      }
      if ((hpa.spec!.minReplicas ?? 1) > hpa.spec!.maxReplicas) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: min > max`);
    }
    expect(problems).toEqual([]);
  });

  it('writes NetworkPolicies whose selectors and ports match real pods', () => {
    const problems: string[] = [];
    for (const policy of ofKind<INetworkPolicy>(objects, 'NetworkPolicy')) {
      const name = `NetworkPolicy/${policy.metadata.name}`;
      const spec = policy.spec!;
      const podSelector = spec.podSelector ?? {};
      const targets = isEmptySelector(podSelector) ? pods : selected(pods, podSelector);
      if (targets.length === 0) problems.push(`${name} protects no pods`);
      for (const rule of spec.ingress ?? []) {
        for (const peer of rule.from ?? []) {
          if (peer.podSelector && !peer.namespaceSelector && selected(pods, peer.podSelector).length === 0) problems.push(`${name} admits traffic from pods that do not exist`);
        }
        for (const port of rule.ports ?? []) {
          if (port.port !== undefined && !targets.every((w) => podDeclaresPort(w.spec, port.port!))) problems.push(`${name} opens port ${port.port} that its pods do not declare`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('denies ingress by default and admits outside traffic to the gateway only', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    const defaultDeny = policies.find((p) => isEmptySelector(p.spec!.podSelector ?? {}) && (p.spec!.ingress ?? []).length === 0);
    expect(defaultDeny?.spec?.policyTypes).toContain('Ingress');
    // A rule without `from` (or with a namespaceSelector) admits traffic from outside the namespace.
    const openTo = policies
      .filter((p) => (p.spec!.ingress ?? []).some((rule) => !rule.from || rule.from.some((peer) => peer.namespaceSelector || peer.ipBlock)))
      .flatMap((p) => selected(pods, p.spec!.podSelector ?? {}).map((w) => w.name));
    expect(openTo).toEqual(['gateway']);
  });

  it('refers only to ConfigMaps, claims, volumes and ServiceAccounts that exist', () => {
    const problems: string[] = [];
    const has = (kind: string, name: string | undefined): boolean => objects.some((o) => o.kind === kind && o.metadata.name === name);
    for (const w of pods) {
      const volumes = new Set((w.spec.volumes ?? []).map((v) => v.name));
      for (const v of w.spec.volumes ?? []) {
        if (v.configMap && !has('ConfigMap', v.configMap.name)) problems.push(`${w.name}: ConfigMap ${v.configMap.name} missing`);
        if (v.persistentVolumeClaim && !has('PersistentVolumeClaim', v.persistentVolumeClaim.claimName)) problems.push(`${w.name}: claim ${v.persistentVolumeClaim.claimName} missing`);
      }
      for (const c of w.spec.containers) {
        for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`${w.name}/${c.name}: mounts undeclared volume ${m.name}`);
        for (const e of c.envFrom ?? []) if (e.configMapRef && !has('ConfigMap', e.configMapRef.name)) problems.push(`${w.name}: ConfigMap ${e.configMapRef.name} missing`);
      }
      if (w.spec.serviceAccountName && !has('ServiceAccount', w.spec.serviceAccountName)) problems.push(`${w.name}: ServiceAccount ${w.spec.serviceAccountName} missing`);
    }
    expect(problems).toEqual([]);
  });

  it('documents every Secret it expects the operator to create', () => {
    // Secrets are never committed, so a typo in a name would only show as a pod stuck in
    // ContainerCreating: the README's table of Secrets is the contract.
    const readme = readFileSync(path.join(deployDir, 'README.md'), 'utf8');
    const names = pods.flatMap((w) => (w.spec.volumes ?? []).flatMap((v) => (v.secret?.secretName ? [v.secret.secretName] : [])));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
  });
});
