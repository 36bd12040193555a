import { hostname } from 'node:os';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type Sampler, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ConfigError } from '@weft/errors';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { samplerFromEnv } from './sampler-from-env.js';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** The service, e.g. `mapper`; `service.name` is `weft-<service>` unless OTEL_SERVICE_NAME says otherwise. */
  readonly service: string;
  /** Where the standard `OTEL_*` variables are read (only `main.ts` passes `process.env`). */
  readonly env: NodeJS.ProcessEnv;
  /** Port of the Prometheus `/metrics` endpoint (`<SERVICE>_METRICS_PORT`); 0 = OS-chosen, negative (default) = no endpoint. */
  readonly metricsPort?: number;
  /** Interface the metrics endpoint binds; default 127.0.0.1. */
  readonly metricsHost?: string;
  /** Extra resource attributes, e.g. `{ 'service.instance.id': nodeId }`. */
  readonly attributes?: Record<string, string>;
  /**
   * Span processors that see this process's spans whether or not they are exported (the
   * coordinator keeps its jobs' spans for GetJobTrace). With any, spans are recorded (under the
   * OTEL_TRACES_SAMPLER sampler) even when no OTLP endpoint is configured; `tracing` still says
   * whether they are exported.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** The running telemetry of a process. */
export interface Telemetry {
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly tracing: boolean;
  /** Bound port of `/metrics`, or undefined when there is no endpoint. */
  readonly metricsPort: number | undefined;
  /** Flushes pending spans and stops the exporters and the metrics endpoint. Never throws. */
  shutdown(): Promise<void>;
}

/** OTLP/HTTP protocols Weft exports with; `grpc` is not offered (no grpc exporter is installed). */
const protocols = ['http/protobuf', 'http/json'] as const;

/**
 * Starts OpenTelemetry for one process, once, from `main.ts`. Tracing is OFF (nothing exported,
 * the API's no-op tracer everywhere) unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, or `spanProcessors` are given (spans then go to those only). Then: OTLP over HTTP with OTEL_EXPORTER_OTLP_PROTOCOL
 * (`http/protobuf` default, `http/json`), the sampler of OTEL_TRACES_SAMPLER, a resource with
 * service, host and process (plus OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, and k8s pod and
 * namespace from K8S_POD_NAME / K8S_NAMESPACE_NAME), an AsyncLocalStorage context manager and the
 * W3C trace-context and baggage propagators. Metrics are served in Prometheus text format on
 * `metricsPort` when it is 0 or more. Throws a ConfigError listing every bad `OTEL_*` value (by
 * variable and value), so `loadConfigOrExit` reports it like any other configuration problem.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const { env } = options;
  const tracesUrl = tracesEndpoint(env);
  const settings = tracesUrl ? readTraceSettings(env) : undefined;
  const resource = await buildResource(options);
  const closers: (() => Promise<void>)[] = [];
  let metricsServer: MetricsServer | undefined;

  const processors: SpanProcessor[] = [];
  if (tracesUrl && settings) {
    const exporter: SpanExporter = settings.protocol === 'http/json' ? new OtlpJsonExporter({ url: tracesUrl }) : new OtlpProtoExporter({ url: tracesUrl });
    processors.push(new BatchSpanProcessor({ exporter, scheduledDelayMillis: settings.scheduleDelayMs }));
  }
  processors.push(...(options.spanProcessors ?? []));
  if (processors.length > 0) {
    const provider = new TracerProvider({ resource, sampler: settings?.sampler ?? readSampler(env), spanProcessors: processors });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    trace.setGlobalTracerProvider(provider);
    closers.push(() => provider.shutdown());
  }

  if (options.metricsPort !== undefined && options.metricsPort >= 0) {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ resource, readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    metricsServer = await startMetricsServer(exporter, options.metricsHost ?? '127.0.0.1', options.metricsPort);
    const server = metricsServer;
    closers.push(async () => {
      await server.close();
      await provider.shutdown();
    });
  }

  let stopped: Promise<void> | undefined;
  return {
    tracing: tracesUrl !== undefined,
    metricsPort: metricsServer?.port,
    shutdown: () => (stopped ??= Promise.allSettled(closers.map((close) => close())).then(() => undefined)),
  };
}

/** The OTLP/HTTP traces URL from the standard variables, or undefined when tracing is off. */
function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

async function buildResource(options: TelemetryOptions): Promise<Resource> {
  const { env } = options;
  const attributes: Record<string, string> = {
    'service.name': `weft-${options.service}`,
    'service.namespace': 'weft',
    'host.name': hostname(),
    ...options.attributes,
  };
  if (env.K8S_POD_NAME?.trim()) attributes['k8s.pod.name'] = env.K8S_POD_NAME.trim();
  if (env.K8S_NAMESPACE_NAME?.trim()) attributes['k8s.namespace.name'] = env.K8S_NAMESPACE_NAME.trim();
  const detected = detectResources({ detectors: [hostDetector, processDetector] });
  // envDetector last: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override Weft's defaults.
  const fromEnv = detectResources({ detectors: [envDetector] });
  const resource = resourceFromAttributes(attributes).merge(detected).merge(fromEnv);
  await resource.waitForAsyncAttributes?.();
  return resource;
}

/** The sampler of OTEL_TRACES_SAMPLER for a process that records spans without exporting them; a ConfigError names a bad value. */
function readSampler(env: NodeJS.ProcessEnv): Sampler {
  try {
    return samplerFromEnv(env);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}

/** The exporter settings of the `OTEL_*` variables; throws a ConfigError listing every bad one. */
function readTraceSettings(env: NodeJS.ProcessEnv): { protocol: string; sampler: Sampler; scheduleDelayMs: number } {
  const problems: string[] = [];
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[protocolName]?.trim() || 'http/protobuf';
  if (!(protocols as readonly string[]).includes(protocol)) problems.push(`${protocolName} must be one of ${protocols.join(', ')}, got "${protocol}"`);
  let sampler: Sampler | undefined;
  try {
    sampler = samplerFromEnv(env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const delayText = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  const scheduleDelayMs = delayText ? Number(delayText) : 1000;
  if (!Number.isInteger(scheduleDelayMs) || scheduleDelayMs <= 0) problems.push(`OTEL_BSP_SCHEDULE_DELAY must be a positive integer of milliseconds, got "${delayText}"`);
  if (problems.length > 0 || !sampler) throw new ConfigError(problems);
  return { protocol, sampler, scheduleDelayMs };
}
