import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startPeakRssSampler } from './peak-rss-sampler.js';

const onLinux = process.platform === 'linux';

describe('startPeakRssSampler', () => {
  (onLinux ? it : it.skip)('sums the trees of several roots and keeps the peak', async () => {
    const hold = 'const b = Buffer.alloc(80 * 1024 * 1024, 1); setTimeout(() => b.length, 1500)';
    const children = [0, 1].map(() => spawn(process.execPath, ['-e', hold], { stdio: 'ignore' }));
    const sampler = startPeakRssSampler(() => children.map((c) => c.pid!), 10);
    await Promise.all(children.map((c) => once(c, 'exit')));
    const peak = sampler.stop();
    // Both children were sampled together at some point: more than one child's 80 MB.
    expect(peak).toBeGreaterThan(160 * 1024 * 1024);
    expect(sampler.peakBytes).toBe(peak);
  });

  it('reports nothing when no root can be read', () => {
    const sampler = startPeakRssSampler(() => [], 10);
    expect(sampler.stop()).toBeUndefined();
  });
});
