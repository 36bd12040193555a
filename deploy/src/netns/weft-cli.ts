import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../paths.js';
import { nodeBinary } from './service-process.js';

const cli = path.join(repoRoot, 'tools', 'cli', 'dist', 'main.js');
const run = promisify(execFile);

/** Runs `weft <args> --gateway <gateway>` and returns its stdout; rejects on a non-zero exit. */
export async function weft(gateway: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: build first (npm run build at the root)`);
  const { stdout } = await run(nodeBinary, [cli, ...args, '--gateway', gateway], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
