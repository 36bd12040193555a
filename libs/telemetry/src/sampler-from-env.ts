import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';

/**
 * The sampler named by OTEL_TRACES_SAMPLER (with OTEL_TRACES_SAMPLER_ARG as the ratio), as the
 * OpenTelemetry spec lists them: always_on, always_off, traceidratio, parentbased_always_on (the
 * default), parentbased_always_off, parentbased_traceidratio. The 3.x trace SDK no longer reads
 * these variables itself. Throws a `RangeError` naming the variable for an unknown sampler or a
 * ratio outside 0..1.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase() || 'parentbased_always_on';
  const ratio = (): number => {
    const text = (env.OTEL_TRACES_SAMPLER_ARG ?? '').trim();
    if (text === '') return 1;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) throw new RangeError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${text}"`);
    return value;
  };
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new RangeError(`OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; got "${name}"`);
  }
}
