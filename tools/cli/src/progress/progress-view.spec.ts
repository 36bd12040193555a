import { PassThrough } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { Phase, PhaseProgressSchema } from '@weft/proto';
import { createBarView, createLineView } from './progress-view.js';

const map = (done: number, recordsIn: bigint) => create(PhaseProgressSchema, { phase: Phase.MAP, tasksTotal: 8, tasksDone: done, recordsIn });
const reduce = (done: number) => create(PhaseProgressSchema, { phase: Phase.REDUCE, tasksTotal: 2, tasksDone: done });

describe('createLineView', () => {
  it('writes a line per change, at most one a second, and flushes the last one on stop', () => {
    let now = 0;
    const lines: string[] = [];
    const view = createLineView({ write: (t: string) => lines.push(t) }, () => now);
    now = 1000;
    view.update([map(1, 1000n), reduce(0)]);
    view.update([map(1, 1000n), reduce(0)]); // unchanged: no line
    now = 1500;
    view.update([map(2, 2000n), reduce(0)]); // within the second: held back
    now = 2000;
    view.update([map(8, 8000n), reduce(1)]);
    view.update([map(8, 8000n), reduce(2)]); // held back, flushed by stop()
    view.stop();
    expect(lines).toEqual([
      'map 1/8 tasks, 1,000 records, 1,000 rec/s, ETA 7.0s | reduce 0/2 tasks, 0 records, 0 rec/s\n',
      'map 8/8 tasks, 8,000 records, 4,000 rec/s | reduce 1/2 tasks, 0 records, 0 rec/s\n',
      'map 8/8 tasks, 8,000 records, 4,000 rec/s | reduce 2/2 tasks, 0 records, 0 rec/s\n',
    ]);
  });

  it('writes nothing before the job is planned', () => {
    const lines: string[] = [];
    const view = createLineView({ write: (t: string) => lines.push(t) });
    view.update([]);
    view.stop();
    expect(lines).toEqual([]);
  });
});

describe('createBarView', () => {
  it('draws one bar per phase on a terminal', () => {
    const out = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const view = createBarView(out);
    view.update([map(3, 3000n), reduce(0)]);
    view.update([map(8, 8000n), reduce(2)]);
    view.stop();
    expect(text).toContain('map    ');
    expect(text).toContain('8/8 tasks | 8,000 records');
    expect(text).toContain('reduce ');
    expect(text).toContain('2/2 tasks');
  });
});
