import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { overlays } from './paths.js';
import { resolvePodEnv, samplePod, type PodEnv } from './pod-env.js';
import { renderOverlay, type K8sObject } from './render.js';
import { probeServiceConfig, probeTelemetry } from './service-config.js';
import { containerDeclaresPort, weftWorkloads, type Workload } from './workloads.js';

/** `services/<name>/dist/main.js` in the container's arguments names the service it runs. */
function serviceOf(container: IContainer): string {
  const entry = [...(container.command ?? []), ...(container.args ?? [])].find((a) => /^services\/[^/]+\/dist\/main\.js$/.test(a));
  if (!entry) throw new Error(`container ${container.name} runs no services/<name>/dist/main.js`);
  return entry.split('/')[1]!;
}

/**
 * Names the manifest sets that neither the service's configuration nor its telemetry start-up
 * reads. Exempt: OTEL_* (the OpenTelemetry SDK also reads some straight from process.env, out of
 * the probes' sight) and helpers used only inside `$(NAME)` expansions of other variables
 * (POD_IP builds MAPPER_ADVERTISE_URL).
 */
function unreadNames(env: PodEnv, read: ReadonlySet<string>): string[] {
  return Object.keys(env.values).filter((name) => !read.has(name) && !name.startsWith('OTEL_') && !env.referenced.has(name));
}

/**
 * Problems with URLs in the environment: one naming this pod's own IP must use a port the
 * container declares (an advertised address others dial); one naming a bare host must name a
 * Service of the overlay and one of its ports.
 */
function urlProblems(env: PodEnv, container: IContainer, objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env.values)) {
    if (!/^https?:\/\//.test(value)) continue;
    const url = new URL(value);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (url.hostname === samplePod.ip) {
      if (!containerDeclaresPort(container, port)) problems.push(`${name}=${value}: the container does not declare port ${port}`);
    } else if (!url.hostname.includes('.')) {
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === url.hostname) as IService | undefined;
      if (!service) problems.push(`${name}=${value}: no Service named ${url.hostname}`);
      else if (!(service.spec?.ports ?? []).some((p) => p.port === port)) problems.push(`${name}=${value}: Service ${url.hostname} has no port ${port}`);
    }
  }
  return problems;
}

describe.each(overlays)('overlay %s environment', (overlay) => {
  let objects: K8sObject[];
  let weft: Workload[];
  beforeAll(async () => {
    objects = await renderOverlay(overlay);
    weft = weftWorkloads(objects);
  });

  it('runs all four services', () => {
    expect(weft.map((w) => serviceOf(w.spec.containers[0]!)).sort()).toEqual(['coordinator', 'gateway', 'mapper', 'reducer']);
  });

  it.each(['coordinator', 'gateway', 'mapper', 'reducer'])('sets exactly the variables %s reads, all valid', async (service) => {
    const workload = weft.find((w) => serviceOf(w.spec.containers[0]!) === service)!;
    const container = workload.spec.containers[0]!;
    const env = resolvePodEnv(workload, container, objects);
    const probe = await probeServiceConfig(service, env.values);
    const read = new Set([...probe.read, ...(await probeTelemetry(service, env.values))]);

    expect({ problems: probe.problems, unread: unreadNames(env, read), urls: urlProblems(env, container, objects) })
      .toEqual({ problems: [], unread: [], urls: [] });
    // The service must listen where Kubernetes sends traffic: every interface, a declared port.
    const { host, port } = probe.config as { host?: unknown; port?: unknown };
    if (host !== undefined) expect(['0.0.0.0', '::']).toContain(host);
    if (port !== undefined) expect(containerDeclaresPort(container, port as number)).toBe(true);
  });
});

describe('resolvePodEnv', () => {
  const workload = (container: IContainer): Workload => ({
    name: 'w', labels: {}, spec: { containers: [container] }, deployment: { apiVersion: 'apps/v1', kind: 'Deployment' } as Workload['deployment'],
  });

  it('expands $(VAR) from earlier variables, keeps unknown references and $$ literal, and records helpers', () => {
    const container: IContainer = {
      name: 'c',
      resources: { limits: { cpu: '1500m' } },
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'URL', value: 'http://$(POD_IP):7401/$(LATER)/$$(POD_IP)' },
        { name: 'THREADS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } },
      ],
    };
    const env = resolvePodEnv(workload(container), container, []);
    expect(env.values).toEqual({ POD_IP: samplePod.ip, URL: `http://${samplePod.ip}:7401/$(LATER)/$(POD_IP)`, THREADS: '2' });
    expect([...env.referenced].sort()).toEqual(['LATER', 'POD_IP']);
  });

  it('refuses Secrets in the environment', () => {
    const container: IContainer = { name: 'c', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] };
    expect(() => resolvePodEnv(workload(container), container, [])).toThrow('TOKEN comes from Secret s; mount Secrets as files instead');
  });
});
