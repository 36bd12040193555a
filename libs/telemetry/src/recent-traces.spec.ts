import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { RecentTraces } from './recent-traces.js';

function setup(maxTraces: number, maxSpansPerTrace?: number) {
  const kept = new RecentTraces({ keyAttribute: 'weft.job.id', maxTraces, maxSpansPerTrace });
  const tracer = new TracerProvider({ spanProcessors: [kept] }).getTracer('spec');
  return { kept, tracer };
}

describe('RecentTraces', () => {
  it('keeps a keyed trace: earlier spans once they end, running spans live, unrelated traces never', () => {
    const { kept, tracer } = setup(10);
    const t0 = Date.now();
    const submit = tracer.startSpan('SubmitJob', { startTime: t0 }, ROOT_CONTEXT);
    const inSubmit = trace.setSpan(ROOT_CONTEXT, submit);
    const job = tracer.startSpan('job wordcount', { startTime: t0 + 1, attributes: { 'weft.job.id': 'j1' } }, inSubmit);
    const attempt = tracer.startSpan('map m-0', { startTime: t0 + 2, attributes: { 'weft.task.id': 'm-0' } }, trace.setSpan(ROOT_CONTEXT, job));
    tracer.startSpan('elsewhere', {}, ROOT_CONTEXT).end();

    let seen = kept.trace('j1')!;
    expect(seen.traceId).toBe(job.spanContext().traceId);
    // The SubmitJob span started before the job span named the trace: it joins when it ends.
    expect(seen.spans.map((s) => [s.name, s.ended])).toEqual([['job wordcount', false], ['map m-0', false]]);

    submit.end();
    attempt.end();
    seen = kept.trace('j1')!;
    expect(seen.spans.map((s) => [s.name, s.ended])).toEqual([['SubmitJob', true], ['job wordcount', false], ['map m-0', true]]);
    expect(seen.spans[1]!.parentSpanContext?.spanId).toBe(submit.spanContext().spanId);
    expect(seen.spans[2]!.parentSpanContext?.spanId).toBe(job.spanContext().spanId);
    job.end();
    expect(kept.trace('j1')!.spans.every((s) => s.ended)).toBe(true);
    expect(kept.trace('other')).toBeUndefined();
  });

  it('forgets the oldest trace past maxTraces, and a key seen again starts over under its new trace', () => {
    const { kept, tracer } = setup(2);
    for (const id of ['a', 'b', 'c']) tracer.startSpan(`job ${id}`, { attributes: { 'weft.job.id': id } }, ROOT_CONTEXT).end();
    expect(kept.trace('a')).toBeUndefined();
    expect(kept.trace('b')!.spans.map((s) => s.name)).toEqual(['job b']);
    const again = tracer.startSpan('job c (recovered)', { attributes: { 'weft.job.id': 'c' } }, ROOT_CONTEXT);
    again.end();
    expect(kept.trace('c')).toMatchObject({ traceId: again.spanContext().traceId });
    expect(kept.trace('c')!.spans.map((s) => s.name)).toEqual(['job c (recovered)']);
  });

  it('bounds the spans of one trace and counts the ones it left out', () => {
    const { kept, tracer } = setup(1, 3);
    const job = tracer.startSpan('job', { attributes: { 'weft.job.id': 'j' } }, ROOT_CONTEXT);
    const inJob = trace.setSpan(ROOT_CONTEXT, job);
    for (let i = 0; i < 5; i++) tracer.startSpan(`attempt ${i}`, {}, inJob).end();
    job.end();
    expect(kept.trace('j')).toMatchObject({ dropped: 3 });
    expect(kept.trace('j')!.spans.map((s) => s.name)).toEqual(['job', 'attempt 0', 'attempt 1']);
  });

  it('rejects a retention that keeps nothing', () => {
    expect(() => new RecentTraces({ keyAttribute: 'k', maxTraces: 0 })).toThrow('maxTraces must be a positive integer, got 0');
  });
});
