/**
 * Resolves once `condition` holds, polling every 5 ms; rejects after `timeoutMs` naming `what`. A
 * spec waits for the state it goes on from this way, never for a guess of how long it takes.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
