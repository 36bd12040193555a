import type { K8sObject } from './render.js';

interface ModelClass {
  new (data: K8sObject): { validate(): void };
}

/**
 * Validates `object` against the OpenAPI schema of its kind, using the generated validator
 * that kubernetes-models ships for each API group/version (Kubernetes 1.34+ schemas).
 * Throws when the kind is unknown to kubernetes-models or the object violates the schema
 * (wrong types, missing required fields, bad enum values and formats). Note that these schemas,
 * like the API's own OpenAPI documents, do not forbid unknown fields.
 */
export async function validateObject(object: K8sObject): Promise<void> {
  // `apps/v1` lives at kubernetes-models/apps/v1; the core group `v1` at kubernetes-models/v1.
  const group = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<string, unknown>;
  const model = group[object.kind] as ModelClass | undefined;
  if (typeof model !== 'function') throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new model(object).validate();
}
