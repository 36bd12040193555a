import type { CliIo } from './cli-io.js';
import { stringifyJson } from './format/json-output.js';

/** Writes the one JSON document of a `--json` command to stdout. */
export function writeJson(io: CliIo, doc: unknown): void {
  io.stdout.write(`${stringifyJson(doc)}\n`);
}
