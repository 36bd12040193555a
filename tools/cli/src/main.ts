// The `weft` command. Wiring only: real process streams and signals in, an exit code out.
import type { CliIo } from './cli-io.js';
import { runCli } from './program.js';

let interrupted: Promise<NodeJS.Signals> | undefined;

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  // Installed only when a command asks (`dev`, `demo`): for every other command Ctrl-C keeps its
  // default meaning and ends the process at once.
  get interrupted() {
    interrupted ??= new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    return interrupted;
  },
};
const code = await runCli(process.argv.slice(2), io);
// Exit explicitly: idle HTTP/2 sessions and signal listeners would otherwise keep the process up.
process.stdout.write('', () => process.exit(code));
