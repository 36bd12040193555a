import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processStartToken, spillDirName, sweepStaleSpillDirs, type ProcessProbe } from './spill-dir.js';

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'weft-sweep-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

function makeDir(name: string): string {
  const dir = path.join(parent, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, '1.run'), 'x');
  return dir;
}

/** A pid that no process has any more: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('sweepStaleSpillDirs (real processes)', () => {
  it("removes dirs of dead processes and of earlier owners of a reused pid, never a live process's, nor other roles'", async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const livePid = sleeper.pid!;
      const liveToken = processStartToken(livePid) ?? 'unknown';
      const dead = deadPid();
      const own = spillDirName('mapper', 'm1');
      const kept = [
        makeDir(own),
        makeDir(`weft-mapper-m2-${livePid}-t${liveToken}`),
        makeDir(`weft-reducer-r1-${dead}-tabc`), // another role
        makeDir('weft-mapper-notes'),
        makeDir(`other-${dead}`),
      ];
      const removed = [
        makeDir(`weft-mapper-m3-${dead}-tabc`),
        makeDir(`weft-mapper-node-with-dashes-2-${dead}`), // the older name, no token
        makeDir(`weft-mapper-m1-${process.pid}-tzzzz`), // an earlier process with this pid
      ];
      if (processStartToken(livePid) !== undefined) removed.push(makeDir(`weft-mapper-m4-${livePid}-t1`)); // pid reused since
      const swept = sweepStaleSpillDirs(parent, 'mapper');
      expect(swept.sort()).toEqual(removed.sort());
      for (const dir of kept) expect(existsSync(dir)).toBe(true);
      for (const dir of removed) expect(existsSync(dir)).toBe(false);
      expect(own).toMatch(new RegExp(`^weft-mapper-m1-${process.pid}-t[0-9a-z]+$`));
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('a missing parent dir sweeps nothing', () => {
    expect(sweepStaleSpillDirs(path.join(parent, 'nope'), 'reducer')).toEqual([]);
  });
});

describe('sweepStaleSpillDirs (decision table)', () => {
  const probe: ProcessProbe = {
    self: { pid: 10, token: 'aa' },
    isAlive: (pid) => pid === 10 || pid === 20 || pid === 30,
    tokenOf: (pid) => (pid === 20 ? 'bb' : undefined), // pid 30: alive, token unknowable
  };
  it.each([
    ['weft-reducer-r-10-taa', false, 'this process'],
    ['weft-reducer-r-10-tab', true, 'same pid, another token: an earlier process'],
    ['weft-reducer-r-10', true, 'same pid, no token: an earlier process'],
    ['weft-reducer-r-20-tbb', false, 'live, same token'],
    ['weft-reducer-r-20-tcc', true, 'live pid, other token: reused'],
    ['weft-reducer-r-20', false, 'live, no token to compare: kept'],
    ['weft-reducer-r-30-tzz', false, 'live, token unknowable: kept'],
    ['weft-reducer-r-40-tzz', true, 'dead'],
  ])('%s removed: %s (%s)', (name, stale) => {
    makeDir(name);
    expect(sweepStaleSpillDirs(parent, 'reducer', probe).length).toBe(stale ? 1 : 0);
    expect(readdirSync(parent)).toEqual(stale ? [] : [name]);
  });
});
