import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { deployDir, type OverlayName } from './paths.js';

/** The fields every Kubernetes object has; narrow further with kubernetes-models' `X.is(obj)`. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

const run = promisify(execFile);

/**
 * Renders `deploy/k8s/overlays/<overlay>` with `kubectl kustomize` (the Kustomize built into
 * kubectl, the same one `kubectl apply -k` uses) and parses every object.
 * Throws if kubectl is missing, the overlay does not render, or a document is not an object.
 */
export async function renderOverlay(overlay: OverlayName): Promise<K8sObject[]> {
  const dir = path.join(deployDir, 'k8s', 'overlays', overlay);
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }).catch((error: Error) => {
    throw new Error(`kubectl kustomize ${dir} failed (a kubectl with Kustomize v5 is needed: node deploy/scripts/install-kubectl.mjs): ${error.message}`);
  });
  return parseManifests(stdout);
}

/** Parses multi-document YAML into objects; throws on YAML errors or documents without a kind. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`document ${index}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Partial<K8sObject> | null;
    if (!value?.apiVersion || !value.kind || !value.metadata?.name) {
      throw new Error(`document ${index} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    return value as K8sObject;
  });
}

/** `Kind/name`, the way kubectl names an object in messages. */
export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}
