import { summarizeCpuProfile, type CpuProfile } from './cpu-profile-summary.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summarizeCpuProfile', () => {
  it('charges each sample its time delta, merges frames of one function and sets waiting apart', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('map', 'file:///ws/libs/jobs/dist/wordcount.js', 9) },
        { id: 3, callFrame: frame('map', 'file:///ws/libs/jobs/dist/wordcount.js', 9) },
        { id: 4, callFrame: frame('(idle)') },
        { id: 5, callFrame: frame('(garbage collector)') },
        { id: 6, callFrame: frame('atomicsWaitLoop', 'file:///ws/node_modules/piscina/dist/worker.js', 125) },
      ],
      samples: [2, 3, 4, 5, 2, 6],
      timeDeltas: [1000, 2000, 4000, 1000, 1000, 1000],
      startTime: 0,
      endTime: 10_000,
    };
    const summary = summarizeCpuProfile(profile, 5, 'file:///ws/');
    expect(summary.totalMs).toBe(10);
    expect(summary.idleMs).toBe(5);
    expect(summary.top).toEqual([
      { function: 'map (libs/jobs/dist/wordcount.js:10)', ms: 4, share: 0.8 },
      { function: '(garbage collector)', ms: 1, share: 0.2 },
    ]);
  });
});
