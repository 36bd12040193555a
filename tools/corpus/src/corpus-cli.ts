import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateCorpusFile, generateCorpusFiles, DEFAULT_SEED } from './generate-corpus.js';
import { parseSize } from './parse-size.js';

/** Where the CLI writes; injected so tests capture output instead of printing. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit code for a command-line usage error (bad or missing option), as in BSD sysexits' convention for shells. */
export const USAGE_ERROR_EXIT_CODE = 2;

/**
 * Runs the `weft-corpus` command line: `--bytes SIZE --out PATH [--seed N] [--files N] [--json]`.
 * With `--files N`, `--out` is a directory that receives `corpus-000.txt` ... Returns the exit code
 * (0 on success, 2 on usage errors, 1 on I/O failures) instead of exiting, so it can be tested.
 *
 * @param argv the arguments after `node main.js`
 */
export async function runCorpusCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('weft-corpus')
    .description('Generate a deterministic, Zipf-distributed English-like text corpus.')
    .requiredOption('--bytes <size>', 'corpus size: a number of bytes or KB/MB/GB (binary units)', parseSizeOption)
    .requiredOption('--out <path>', 'output file (with --files: output directory)')
    .option('--seed <n>', 'random seed', parseIntegerOption('--seed'), DEFAULT_SEED)
    .option('--files <n>', 'split the corpus across N files in the --out directory', parseIntegerOption('--files', 1))
    .option('--json', 'print one JSON document on stdout')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT_CODE;
    }
    throw error;
  }
  const options = program.opts<{ bytes: number; out: string; seed: number; files?: number; json?: boolean }>();
  const out = resolve(options.out);
  const started = performance.now();
  try {
    let result: { paths: string[]; bytes: number; lines?: number };
    if (options.files === undefined) {
      const info = await generateCorpusFile(out, { bytes: options.bytes, seed: options.seed });
      result = { paths: [out], ...info };
    } else {
      const paths = await generateCorpusFiles(out, { bytes: options.bytes, seed: options.seed, files: options.files });
      const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
      result = { paths, bytes: sizes.reduce((a, b) => a + b, 0) };
    }
    const seconds = (performance.now() - started) / 1000;
    const mbPerSecond = result.bytes / 1024 / 1024 / Math.max(seconds, 1e-9);
    if (options.json) {
      io.stdout(`${JSON.stringify({ ...result, seed: options.seed, seconds, mbPerSecond })}\n`);
    } else {
      const where = result.paths.length === 1 ? result.paths[0] : `${result.paths.length} files in ${out}`;
      io.stdout(
        `wrote ${result.bytes} bytes${result.lines === undefined ? '' : ` (${result.lines} lines)`} to ${where} ` +
          `in ${seconds.toFixed(2)} s (${mbPerSecond.toFixed(0)} MB/s)\n`,
      );
    }
    return 0;
  } catch (error) {
    io.stderr(`weft-corpus: ${messageOf(error)}\n`);
    return 1;
  }
}

function parseSizeOption(value: string): number {
  try {
    return parseSize(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseIntegerOption(name: string, min?: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || (min !== undefined && parsed < min)) {
      throw new InvalidArgumentError(min === undefined ? `${name} must be an integer` : `${name} must be an integer >= ${min}`);
    }
    return parsed;
  };
}

// Not `instanceof Error`: errors from Node core fail that check across realms (jest's vm sandbox).
function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}
