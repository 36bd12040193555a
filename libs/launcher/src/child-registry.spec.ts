import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Runs the built launcher (dist/) in a child process, since the point is what happens when that
// process dies. `nx test launcher` builds it first.
const parentScript = fileURLToPath(new URL('./__fixtures__/parent.mjs', import.meta.url));

function gone(pid: number): boolean {
  // A zombie (exited, not yet reaped by init) counts as gone.
  return !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Starts the parent fixture; resolves with it, the pids of its cluster and its later output. */
async function startParent(env: Record<string, string> = {}) {
  const parent = spawn(process.execPath, [parentScript], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  const pids = await new Promise<number[]>((resolve, reject) => {
    parent.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as number[]);
    });
    parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
  });
  return { parent, pids, output: () => out };
}

describe('children of a dying parent', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('are killed when the parent gets %s and it still dies of the signal', async (signal) => {
    const { parent, pids } = await startParent();
    expect(pids).toHaveLength(4);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, sig) => resolve(sig)));
    parent.kill(signal);
    expect(await exited).toBe(signal);
    expect(await waitFor(() => pids.every(gone))).toBe(true);
  }, 20_000);

  it('are left to an application that handles the signal itself', async () => {
    const { parent, pids, output } = await startParent({ HANDLE_SIGTERM: '1' });
    const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    parent.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('stopped gracefully');
    expect(pids.every(gone)).toBe(true);
  }, 20_000);
});
