#!/usr/bin/env node
// Entry point of `npm run bench`: the logic lives in bench-cli.ts so tests can run it in-process.
import { runBenchCli } from './bench-cli.js';

process.exitCode = await runBenchCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
