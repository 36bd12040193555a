// The `weft` command. Wiring only: real process streams and signals in, an exit code out.
import type { CliIo } from './cli-io.js';
import { runCli } from './program.js';

const interrupted = new Promise<NodeJS.Signals>((resolve) => {
  // Handled (not default-fatal) so `dev` and `demo` can stop their cluster first.
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), interrupted };
const code = await runCli(process.argv.slice(2), io);
// Exit explicitly: idle HTTP/2 sessions and signal listeners would otherwise keep the process up.
process.stdout.write('', () => process.exit(code));
