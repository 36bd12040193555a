import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;
const fatalSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Tracks a child so it is SIGKILLed if this process exits while the child still runs (a test
 * runner that bails out, a CLI that throws, a `kill` of the parent): a leaked service would hold
 * ports and CPU forever. The child leaves the registry on its own once it exits.
 */
export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    // 'exit' handlers must be synchronous; kill() is.
    process.on('exit', killAll);
    // A signal's default action ends the process without 'exit', so the children would outlive
    // it. Listen, but only act when nobody else does: an application that handles the signal
    // itself (`weft dev` stops its cluster gracefully) keeps full control.
    for (const signal of fatalSignals) {
      const onSignal = (): void => {
        if (process.listenerCount(signal) > 1) return;
        killAll();
        process.removeListener(signal, onSignal);
        // Re-raise so the process still dies of the signal, with the usual exit status.
        process.kill(process.pid, signal);
      };
      // First in line, so the count above still includes `once` listeners, which Node removes
      // just before calling them.
      process.prependListener(signal, onSignal);
    }
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}
