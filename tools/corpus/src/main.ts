#!/usr/bin/env node
// Entry point of `node tools/corpus/dist/main.js`: all logic lives in corpus-cli.ts so it can be
// tested in-process; this file only binds it to the real process.
import { runCorpusCli } from './corpus-cli.js';

process.exitCode = await runCorpusCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
