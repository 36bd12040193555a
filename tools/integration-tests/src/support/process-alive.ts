/** True while a process with this id exists (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours, which for a pid we spawned still means "alive".
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Polls until none of `pids` is alive or `timeoutMs` passes; returns those still alive. `stop()`
 * resolves on each child's exit event, so this normally returns [] at once.
 */
export async function waitForExit(pids: readonly number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isProcessAlive);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
