import { renderWaterfall, type WaterfallSpan } from './waterfall.js';

const span = (spanId: string, parentSpanId: string, name: string, startMs: number, endMs: number, extra: Partial<WaterfallSpan> = {}): WaterfallSpan => ({
  spanId, parentSpanId, name, service: 'weft-coordinator', kind: 'internal', startMs, endMs, status: { code: 'unset' }, ...extra,
});

describe('renderWaterfall', () => {
  const spans = [
    span('a', '', 'weft.v1.JobService/SubmitJob', 1000, 1010, { kind: 'server', service: 'weft-gateway' }),
    // The job outlives the call that started it: its parent's reach extends to 1100.
    span('b', 'a', 'job wordcount', 1005, 1100),
    span('c', 'b', 'map m-0 attempt 1', 1010, 1040, { status: { code: 'error' } }),
    span('d', 'b', 'map m-0 attempt 2', 1041, 1080),
    span('e', 'b', 'map m-1 attempt 1', 1010, 1030),
    span('f', 'd', 'weft.cluster.v1.MapperService/RunMapTask', 1042, 1079, { kind: 'client' }),
    span('g', 'f', 'map worker thread', 1050.25, 1050.75, { service: 'weft-mapper' }),
  ];
  const lines = renderWaterfall(spans, { width: 100 }).split('\n');

  it('prints one line per span in tree order: service, offset, duration and a bar on one time axis', () => {
    expect(lines).toHaveLength(spans.length + 2);
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(lines[0]).toMatch(/^ {2}span +service +offset duration 0 +100ms$/);
    expect(lines[1]).toMatch(/^\* serve SubmitJob +gateway +0\.0ms +10ms █{3} +$/);
    expect(lines[2]).toMatch(/^\* └ job wordcount +coordinator +5\.0ms +95ms +█+$/);
    // Siblings by start time (then end); failed spans marked !, critical ones *.
    expect(lines.slice(3, 7).map((l) => l.slice(0, 30).trimEnd())).toEqual([
      '    ├ map m-1 attempt 1',
      '!   ├ map m-0 attempt 1',
      '*   └ map m-0 attempt 2',
      '*     └ call RunMapTask',
    ]);
    expect(lines[7]).toMatch(/^\* {7}└ map worker thread +mapper +50ms +0\.5ms /);
    expect(lines.at(-1)).toBe('* critical path   ! error   7 spans, 3 services, 100ms');
  });

  it('marks as critical the chain that decided the end, walking back from the last finisher', () => {
    const marked = lines.filter((l) => l.startsWith('*') && !l.startsWith('* critical')).map((l) => l.slice(2, 40).replace(/[│├└]/g, '').trim());
    // m-0 attempt 2 ended last; before it started, the failed attempt 1 ran (shown as ! instead).
    expect(marked).toEqual(['serve SubmitJob', 'job wordcount', 'map m-0 attempt 2', 'call RunMapTask', 'map worker thread']);
  });

  it('shows spans whose parent never arrived as roots, and says when there is nothing', () => {
    expect(renderWaterfall([span('x', 'gone', 'orphan', 0, 1)])).toContain('orphan');
    expect(renderWaterfall([])).toBe('(no spans)');
  });
});
