// Child-process entry of the Node baselines: `node run-baseline.js <baseline> ARGS...` runs one
// baseline once and prints one JSON line (result, elapsed time, peak RSS). Each run gets a fresh
// process so its peak RSS is its own and no JIT or heap state leaks from one baseline to the next.
import { runNodeBaseline } from './node-baseline.ts';

const [name = '', ...args] = process.argv.slice(2);
try {
  process.stdout.write(`${JSON.stringify(await runNodeBaseline(name, args))}\n`);
} catch (error) {
  process.stderr.write(`run-baseline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
