import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

/**
 * Tracks a child so it is SIGKILLed if this process exits while the child still runs (a test
 * runner that bails out, a CLI that throws): a leaked service would hold ports and CPU forever.
 * The child leaves the registry on its own once it exits.
 */
export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    // 'exit' handlers must be synchronous; kill() is.
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}
