import type { IContainer } from 'kubernetes-models/v1/Container';
import { overlays } from './paths.js';
import { renderOverlay, type K8sObject } from './render.js';
import { weftWorkloads, workloads, type Workload } from './workloads.js';

/**
 * Upper bound of a service's drain after SIGTERM: runService's `drainTimeoutMs` default
 * (libs/rpc/src/run-service.ts), past which the process exits on its own.
 */
const drainSeconds = 10;

/** Violations of the `restricted` Pod Security Standard plus this project's own rules. */
function podProblems(w: Workload): string[] {
  const problems: string[] = [];
  const pod = w.spec.securityContext ?? {};
  if (w.spec.hostNetwork || w.spec.hostPID || w.spec.hostIPC) problems.push('shares a host namespace');
  if ((w.spec.volumes ?? []).some((v) => v.hostPath)) problems.push('mounts a hostPath');
  if (w.spec.automountServiceAccountToken !== false) problems.push('mounts a service account token');
  const containers: IContainer[] = [...(w.spec.initContainers ?? []), ...w.spec.containers];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${at}: runs as uid 0`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allows privilege escalation`);
    if (sc.privileged) problems.push(`${at}: is privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) problems.push(`${at}: adds capabilities`);
    if (!['RuntimeDefault', 'Localhost'].includes((sc.seccompProfile ?? pod.seccompProfile)?.type ?? '')) problems.push(`${at}: no seccomp profile`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[resource] === undefined) problems.push(`${at}: no ${resource} ${kind}`);
      }
    }
  }
  return problems;
}

/** Weft's own rules for its service pods: gRPC health probes, and time to drain on shutdown. */
function serviceProblems(w: Workload): string[] {
  const problems: string[] = [];
  for (const c of w.spec.containers) {
    for (const [kind, probe] of Object.entries({ startup: c.startupProbe, readiness: c.readinessProbe, liveness: c.livenessProbe })) {
      if (!probe?.grpc) problems.push(`container ${c.name}: no gRPC ${kind} probe`);
    }
    const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
    // SIGKILL comes terminationGracePeriodSeconds after the preStop hook starts, drain included.
    if ((w.spec.terminationGracePeriodSeconds ?? 30) <= preStop + drainSeconds) {
      problems.push(`container ${c.name}: grace period ${w.spec.terminationGracePeriodSeconds}s <= preStop ${preStop}s + drain ${drainSeconds}s`);
    }
  }
  if ((w.spec.volumes ?? []).every((v) => v.emptyDir === undefined)) problems.push('no emptyDir for scratch space under a read-only root');
  return problems;
}

describe.each(overlays)('overlay %s pod security', (overlay) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderOverlay(overlay);
  });

  it('meets the restricted Pod Security Standard in every pod, with requests and limits', () => {
    const problems = workloads(objects).flatMap((w) => podProblems(w).map((p) => `Deployment/${w.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('enforces the restricted standard on the namespace', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((n) => n.metadata.labels?.['pod-security.kubernetes.io/enforce'])).toEqual(['restricted']);
  });

  it('gives every Weft service gRPC health probes and time to drain', () => {
    const problems = weftWorkloads(objects).flatMap((w) => serviceProblems(w).map((p) => `Deployment/${w.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('keeps the coordinator single, on its journal volume, replaced with Recreate', () => {
    const coordinator = weftWorkloads(objects).find((w) => w.labels['app.kubernetes.io/component'] === 'coordinator')!;
    expect(coordinator.deployment.spec?.replicas).toBe(1);
    expect(coordinator.deployment.spec?.strategy?.type).toBe('Recreate');
    expect(coordinator.spec.volumes?.some((v) => v.persistentVolumeClaim)).toBe(true);
  });
});
