import { StragglerDetector } from './straggler-detector.js';

const options = { enabled: true, slowdown: 2, minElapsedMs: 100, maxFraction: 0.1 };

describe('StragglerDetector', () => {
  it('backs up an attempt far beyond the median only once every task has started, within the budget', () => {
    let done = 7;
    const detector = new StragglerDetector({ ...options, enabled: false }, () => ({ total: 10, done }));
    const launched: string[] = [];
    const untrackA = detector.track(0, () => launched.push('a'));
    detector.track(0, () => launched.push('b'));
    for (let i = 0; i < 7; i++) detector.succeeded(200);

    detector.check(1_000);
    expect(launched).toEqual([]); // 7 done + 2 running < 10: a task still waits for a slot
    done = 8;
    detector.check(300);
    expect(launched).toEqual([]); // 300 ms is not past 2 x the 200 ms median
    detector.check(1_000);
    expect(launched).toEqual(['a']); // budget: 10% of 10 tasks = 1
    expect(detector.launched).toBe(1);
    untrackA();
    detector.check(5_000);
    expect(launched).toEqual(['a']);
    detector.close();
  });

  it('never launches before any attempt of the phase finished', () => {
    const detector = new StragglerDetector({ ...options, enabled: false }, () => ({ total: 1, done: 0 }));
    const launched: number[] = [];
    detector.track(0, () => launched.push(1));
    detector.check(60_000);
    expect(launched).toEqual([]);
    detector.close();
  });
});

describe('StragglerDetector and suspect nodes', () => {
  it('backs up an attempt on a suspect node at once, mid-phase, within the budget', () => {
    const detector = new StragglerDetector({ ...options, enabled: false }, () => ({ total: 20, done: 1 }));
    const launched: string[] = [];
    let suspect = false;
    detector.track(0, () => launched.push('on-bad-node'), () => suspect);
    detector.track(0, () => launched.push('healthy'));
    detector.check(10);
    expect(launched).toEqual([]);
    suspect = true;
    detector.check(20);
    expect(launched).toEqual(['on-bad-node']);
    detector.close();
  });
});
