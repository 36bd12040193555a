import { overlays } from './paths.js';
import { objectId, parseManifests, renderOverlay, type K8sObject } from './render.js';
import { validateObject } from './schema.js';

describe.each(overlays)('overlay %s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderOverlay(overlay);
  });

  it('renders with kubectl kustomize into the expected kinds', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of ['Namespace', 'ServiceAccount', 'ConfigMap', 'Deployment', 'Service', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'NetworkPolicy']) {
      expect(kinds).toContain(kind);
    }
  });

  it('validates every object against the Kubernetes OpenAPI schema', async () => {
    const failures: string[] = [];
    for (const object of objects) {
      await validateObject(object).catch((error: Error) => failures.push(`${objectId(object)}: ${error.message}`));
    }
    expect(failures).toEqual([]);
  });

  it('names every object uniquely within its kind', () => {
    const ids = objects.map(objectId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});

describe('validateObject', () => {
  // Guards the guard: a validator that accepted anything would make the test above worthless.
  it('rejects a Deployment whose port is a string, naming the field', async () => {
    const [deployment] = parseManifests(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: bad }
spec:
  selector: { matchLabels: { a: b } }
  template:
    metadata: { labels: { a: b } }
    spec: { containers: [{ name: c, image: i, ports: [{ containerPort: "80" }] }] }
`);
    await expect(validateObject(deployment!)).rejects.toThrow('containerPort must be integer');
  });

  it('rejects a kind it has no schema for', async () => {
    const [object] = parseManifests('apiVersion: v1\nkind: Podd\nmetadata: { name: x }\n');
    await expect(validateObject(object!)).rejects.toThrow('no schema for v1 Podd');
  });
});
