import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TraceSpanSchema, type TraceSpan } from '@weft/proto';
import { layoutWaterfall } from './waterfall-layout.js';

const T0 = 1_764_000_000_000;

function span(id: string, parent: string, name: string, start: number, end: number | undefined, extra: Partial<Pick<TraceSpan, 'error' | 'statusMessage'>> = {}): TraceSpan {
  return create(TraceSpanSchema, {
    spanId: id,
    parentSpanId: parent,
    name,
    startTime: timestampFromMs(T0 + start),
    ...(end === undefined ? {} : { endTime: timestampFromMs(T0 + end) }),
    ...extra,
  });
}

describe('layoutWaterfall', () => {
  // A job of 1000 ms: plan, two map attempts (m-1 failed then retried), one reduce, commit.
  const spans = [
    span('r0', 'a1', 'reduce r-0 attempt 1', 600, 950),
    span('job', 'remote-parent', 'job wordcount', 0, 1000),
    span('m1b', 'job', 'map m-1 attempt 2', 300, 550),
    span('plan', 'job', 'plan', 10, 50),
    span('m1a', 'job', 'map m-1 attempt 1', 50, 250, { error: true, statusMessage: 'worker crashed' }),
    span('m2', 'job', 'map m-2 attempt 1', 50, 400),
    span('commit', 'r0', 'commit results', 940, 945),
    span('a1', 'job', 'reduce phase', 560, 990),
  ];

  it('orders parents before children, siblings by start, and indents by depth', () => {
    const { rows, totalMs } = layoutWaterfall(spans, T0 + 5_000);
    expect(totalMs).toBe(1000);
    expect(rows.map((r) => [r.name, r.depth])).toEqual([
      ['job wordcount', 0],
      ['plan', 1],
      ['map m-1 attempt 1', 1],
      ['map m-2 attempt 1', 1],
      ['map m-1 attempt 2', 1],
      ['reduce phase', 1],
      ['reduce r-0 attempt 1', 2],
      ['commit results', 3],
    ]);
  });

  it('places each bar on the axis in percent, and keeps the times in milliseconds', () => {
    const { rows } = layoutWaterfall(spans, T0 + 5_000);
    const m2 = rows.find((r) => r.name === 'map m-2 attempt 1');
    expect(m2).toMatchObject({ offsetPct: 5, widthPct: 35, startMs: 50, durationMs: 350, running: false });
    const job = rows[0];
    expect(job).toMatchObject({ offsetPct: 0, widthPct: 100 });
  });

  it('marks errors, and the critical path walking back from the end through the last-ending children', () => {
    const { rows } = layoutWaterfall(spans, T0 + 5_000);
    expect(rows.filter((r) => r.error).map((r) => [r.name, r.statusMessage])).toEqual([['map m-1 attempt 1', 'worker crashed']]);
    // reduce phase (560-990) waited for m-1's second attempt (300-550), which waited for m-1's first
    // (50-250), after plan (10-50); m-2 (50-400) overlaps m-1's retry and is not on the path.
    expect(rows.filter((r) => r.critical).map((r) => r.name)).toEqual(['job wordcount', 'plan', 'map m-1 attempt 1', 'map m-1 attempt 2', 'reduce phase', 'reduce r-0 attempt 1', 'commit results']);
  });

  it('follows work that outlives its parent onto the critical path', () => {
    const asyncJob = [span('rpc', '', 'SubmitJob', 0, 5), span('job', 'rpc', 'job wordcount', 2, 100), span('m', 'job', 'map m-0 attempt 1', 10, 60), span('r', 'job', 'reduce r-0 attempt 1', 61, 99)];
    expect(layoutWaterfall(asyncJob, T0 + 200).rows.filter((r) => r.critical).map((r) => r.name)).toEqual(['SubmitJob', 'job wordcount', 'map m-0 attempt 1', 'reduce r-0 attempt 1']);
  });

  it('draws running spans up to now, stretching the axis', () => {
    const running = [span('job', '', 'job wordcount', 0, undefined), span('m', 'job', 'map m-1 attempt 1', 100, undefined), span('p', 'job', 'plan', 0, 100)];
    const { rows, totalMs } = layoutWaterfall(running, T0 + 400);
    expect(totalMs).toBe(400);
    expect(rows.map((r) => [r.name, r.running, r.offsetPct, r.widthPct])).toEqual([
      ['job wordcount', true, 0, 100],
      ['plan', false, 0, 25],
      ['map m-1 attempt 1', true, 25, 75],
    ]);
  });

  it('shows every span once, even with a parent cycle, and leaves out spans without a start', () => {
    const odd = [span('a', 'b', 'a', 0, 10), span('b', 'a', 'b', 5, 20), span('self', 'self', 'self', 1, 2), create(TraceSpanSchema, { spanId: 'x', name: 'no start' })];
    const { rows } = layoutWaterfall(odd, T0 + 100);
    expect(rows.map((r) => [r.name, r.depth])).toEqual([
      ['self', 0],
      ['a', 0],
      ['b', 1],
    ]);
  });

  it('lays out nothing for no spans, on an axis of at least 1 ms', () => {
    expect(layoutWaterfall([], T0)).toEqual({ rows: [], totalMs: 1 });
    expect(layoutWaterfall([span('i', '', 'instant', 0, 0)], T0).rows[0]).toMatchObject({ widthPct: 0, offsetPct: 0, durationMs: 0 });
  });
});
