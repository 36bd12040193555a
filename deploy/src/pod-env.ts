import type { IContainer } from 'kubernetes-models/v1/Container';
import type { K8sObject } from './render.js';
import { parseQuantity } from './quantity.js';
import type { Workload } from './workloads.js';

/** The environment Kubernetes would give one container, and where each variable came from. */
export interface PodEnv {
  /** Final values, after `envFrom`, then `env` in order, with `$(VAR)` expanded. */
  readonly values: Record<string, string>;
  /** Names referenced as `$(NAME)` inside other `env` values (helpers such as POD_IP). */
  readonly referenced: ReadonlySet<string>;
}

/**
 * Stand-ins for the downward API: what a running pod would see. The IP is the one URLs built from
 * `$(POD_IP)` will carry, so checks can recognise "this pod's own address".
 */
export const samplePod: PodIdentity = { ip: '10.244.1.23', node: 'node-1', hostIp: '172.18.0.2' };

/** What the downward API tells a pod about itself; `name` defaults to a Deployment-style pod name. */
export interface PodIdentity {
  readonly ip: string;
  readonly node: string;
  readonly hostIp: string;
  readonly name?: string;
}

/**
 * Resolves the environment of `container` in `workload` the way the kubelet does: `envFrom`
 * sources first, then `env` entries in order, each `$(NAME)` replaced by an earlier variable's
 * value (unknown names stay as written, `$$` is a literal `$`). ConfigMaps are looked up among
 * the rendered `objects`. Throws for sources that cannot be resolved offline or that this
 * project does not allow: Secrets must be mounted as files, never put in the environment.
 * `pod` supplies the downward API's values (default {@link samplePod}).
 */
export function resolvePodEnv(
  workload: Workload,
  container: IContainer,
  objects: readonly K8sObject[],
  pod: PodIdentity = samplePod,
): PodEnv {
  const values: Record<string, string> = {};
  const referenced = new Set<string>();
  const where = `Deployment/${workload.name} container ${container.name}`;

  for (const source of container.envFrom ?? []) {
    if (source.secretRef) throw new Error(`${where}: envFrom secretRef ${source.secretRef.name}; mount Secrets as files instead`);
    const data = configMapData(objects, source.configMapRef?.name, where);
    for (const [key, value] of Object.entries(data)) values[`${source.prefix ?? ''}${key}`] = value;
  }

  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      values[entry.name] = entry.value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name?: string) => {
        if (name === undefined) return '$';
        referenced.add(name);
        return values[name] ?? whole;
      });
      continue;
    }
    const from = entry.valueFrom;
    if (from?.fieldRef) values[entry.name] = fieldValue(from.fieldRef.fieldPath, workload, pod, where);
    else if (from?.resourceFieldRef) values[entry.name] = resourceValue(from.resourceFieldRef, workload, container, where);
    else if (from?.configMapKeyRef) {
      const value = configMapData(objects, from.configMapKeyRef.name, where)[from.configMapKeyRef.key];
      if (value === undefined) throw new Error(`${where}: ${entry.name} refers to missing key ${from.configMapKeyRef.key}`);
      values[entry.name] = value;
    } else if (from?.secretKeyRef) {
      throw new Error(`${where}: ${entry.name} comes from Secret ${from.secretKeyRef.name}; mount Secrets as files instead`);
    } else throw new Error(`${where}: ${entry.name} has neither value nor a supported valueFrom`);
  }
  return { values, referenced };
}

function configMapData(objects: readonly K8sObject[], name: string | undefined, where: string): Record<string, string> {
  const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!map) throw new Error(`${where}: ConfigMap ${name} is not among the rendered objects`);
  return (map['data'] as Record<string, string> | undefined) ?? {};
}

function fieldValue(fieldPath: string, workload: Workload, pod: PodIdentity, where: string): string {
  switch (fieldPath) {
    case 'metadata.name': return pod.name ?? `${workload.name}-5d8f7c9b6-x2k4q`;
    case 'metadata.namespace': return workload.deployment.metadata?.namespace ?? 'default';
    case 'status.podIP': return pod.ip;
    case 'status.hostIP': return pod.hostIp;
    case 'spec.nodeName': return pod.node;
    default: throw new Error(`${where}: no stand-in for fieldRef ${fieldPath}`);
  }
}

function resourceValue(
  ref: { containerName?: string; resource: string; divisor?: string | number },
  workload: Workload,
  container: IContainer,
  where: string,
): string {
  const target = ref.containerName ? workload.spec.containers.find((c) => c.name === ref.containerName) : container;
  if (!target) throw new Error(`${where}: resourceFieldRef names unknown container ${ref.containerName}`);
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const quantity = target.resources?.[kind]?.[resource];
  // Without a limit the kubelet substitutes the node's allocatable amount, which no manifest
  // check can know: require the limit instead.
  if (quantity === undefined) throw new Error(`${where}: resourceFieldRef ${ref.resource} but the container sets no ${ref.resource}`);
  // The kubelet rounds up to a whole multiple of the divisor (so 500m of CPU with divisor 1 is 1).
  return String(Math.ceil(parseQuantity(quantity) / parseQuantity(ref.divisor ?? 1)));
}
