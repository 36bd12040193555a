import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { K8sObject } from './render.js';

/** A label selector (matchLabels and matchExpressions), as Deployments, PDBs and policies use. */
export type LabelSelector = NonNullable<IDeployment['spec']>['selector'];

/** A Deployment's pod template, flattened for the checks. */
export interface Workload {
  /** The Deployment's name. */
  readonly name: string;
  /** The pod template's labels. */
  readonly labels: Record<string, string>;
  readonly spec: IPodSpec;
  readonly deployment: IDeployment;
}

/** Label identifying Weft's own pods (as opposed to the collector or Jaeger in dev). */
export const weftPodLabel = { key: 'app.kubernetes.io/name', value: 'weft' } as const;

/** Every Deployment's pod template. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.apiVersion === 'apps/v1' && o.kind === 'Deployment')
    .map((o) => {
      const deployment = o as unknown as IDeployment;
      const template = deployment.spec!.template;
      return { name: o.metadata.name, labels: template.metadata?.labels ?? {}, spec: template.spec!, deployment };
    });
}

/** The workloads that run a Weft service (`app.kubernetes.io/name: weft`). */
export function weftWorkloads(objects: readonly K8sObject[]): Workload[] {
  return workloads(objects).filter((w) => w.labels[weftPodLabel.key] === weftPodLabel.value);
}

/** The Weft component a workload runs (`app.kubernetes.io/component`); throws when missing. */
export function componentOf(workload: Workload): string {
  const component = workload.labels['app.kubernetes.io/component'];
  if (!component) throw new Error(`Deployment/${workload.name}: pod template has no app.kubernetes.io/component label`);
  return component;
}

/** True when `labels` satisfy `selector` (matchLabels and matchExpressions, as the API does). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const simple = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return simple && (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In': return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn': return value === undefined || !(e.values ?? []).includes(value);
      case 'Exists': return value !== undefined;
      case 'DoesNotExist': return value === undefined;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
}

/** True when the selector selects nothing in particular (`{}`): every pod. */
export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** True when `port` (a number or a port name) is declared by `container`. */
export function containerDeclaresPort(container: IContainer, port: number | string): boolean {
  return (container.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

/** True when some container of the pod declares `port` (a number or a name). */
export function podDeclaresPort(spec: IPodSpec, port: number | string): boolean {
  return spec.containers.some((c) => containerDeclaresPort(c, port));
}
