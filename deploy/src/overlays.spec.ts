import type { IService } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';
import { renderOverlay, type K8sObject } from './render.js';
import { weftWorkloads, workloads } from './workloads.js';

function service(objects: readonly K8sObject[], name: string): IService {
  const found = objects.find((o) => o.kind === 'Service' && o.metadata.name === name);
  if (!found) throw new Error(`no Service ${name}`);
  return found as unknown as IService;
}

/** The parts of an OpenTelemetry Collector config (Jaeger v2 uses the same layout) checked here. */
interface CollectorConfig {
  receivers: { otlp: { protocols: Record<string, { endpoint: string }> } };
  exporters: Record<string, { endpoint?: string }>;
  extensions?: { jaeger_query?: { http: { endpoint: string } } };
  service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
}

/** The config file a collector-style pod mounts from its generated ConfigMap. */
function mountedConfig(objects: readonly K8sObject[], deployment: string): CollectorConfig {
  const pod = workloads(objects).find((w) => w.name === deployment)!;
  const mapName = pod.spec.volumes!.find((v) => v.configMap)!.configMap!.name;
  const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === mapName)!;
  return parse((map['data'] as Record<string, string>)['config.yaml']!) as CollectorConfig;
}

/** `host:port` → the port, when host is the name of a Service that has that port; else undefined. */
function servicePort(objects: readonly K8sObject[], endpoint: string): number | undefined {
  const [host, port] = endpoint.split(':');
  const ports = objects.some((o) => o.kind === 'Service' && o.metadata.name === host) ? service(objects, host!).spec?.ports ?? [] : [];
  return ports.find((p) => p.port === Number(port))?.port;
}

describe('dev overlay', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderOverlay('dev');
  });

  it('runs one replica of each service, without autoscalers', () => {
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(weftWorkloads(objects).map((w) => w.deployment.spec?.replicas ?? 1)).toEqual([1, 1, 1, 1]);
  });

  it('exports the services\' spans through the collector to Jaeger', () => {
    const collector = mountedConfig(objects, 'otel-collector');
    expect(collector.service.pipelines.traces.receivers).toEqual(['otlp']);
    const exporters = collector.service.pipelines.traces.exporters;
    expect(exporters.map((name) => servicePort(objects, collector.exporters[name]?.endpoint ?? ''))).toEqual([4317]);
    expect(collector.exporters[exporters[0]!]?.endpoint).toMatch(/^jaeger:/);
    // The collector listens where its Service sends traffic.
    const listens = Object.values(collector.receivers.otlp.protocols).map((p) => Number(p.endpoint.split(':')[1]));
    expect(listens.sort()).toEqual((service(objects, 'otel-collector').spec?.ports ?? []).map((p) => p.port).sort());
  });

  it('has Jaeger store what it receives on the port its Service exposes, and serve the UI', () => {
    const jaeger = mountedConfig(objects, 'jaeger');
    expect(jaeger.service.pipelines.traces.exporters).toEqual(['jaeger_storage_exporter']);
    expect(jaeger.receivers.otlp.protocols['grpc']?.endpoint).toBe('0.0.0.0:4317');
    expect(jaeger.extensions?.jaeger_query?.http.endpoint).toBe('0.0.0.0:16686');
    expect((service(objects, 'jaeger').spec?.ports ?? []).map((p) => p.port).sort()).toEqual([16686, 4317]);
  });
});

describe('prod overlay', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await renderOverlay('prod');
  });

  it('runs several gateways behind a LoadBalancer and autoscales workers from more than one pod', () => {
    const gateway = weftWorkloads(objects).find((w) => w.name === 'gateway')!;
    expect(gateway.deployment.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(service(objects, 'gateway').spec?.type).toBe('LoadBalancer');
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as { spec: { minReplicas: number } }[];
    expect(hpas.map((h) => h.spec.minReplicas >= 2)).toEqual([true, true]);
  });

  it('mounts the internal TLS Secret into every service, read-only, and the public one into the gateway', () => {
    for (const w of weftWorkloads(objects)) {
      const secrets = new Map((w.spec.volumes ?? []).filter((v) => v.secret).map((v) => [v.name, v.secret!.secretName]));
      const mounted = (w.spec.containers[0]!.volumeMounts ?? []).filter((m) => secrets.has(m.name));
      expect(mounted.every((m) => m.readOnly)).toBe(true);
      const names = mounted.map((m) => secrets.get(m.name)).sort();
      expect({ [w.name]: names }).toEqual({
        [w.name]: w.name === 'gateway' ? ['weft-api-tokens', 'weft-gateway-tls', 'weft-internal-tls'] : ['weft-internal-tls'],
      });
    }
  });
});
