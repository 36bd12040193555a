import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { renderMarkdown } from './render-markdown.js';
import { runBench, type RunBenchOptions } from './run-bench.js';
import type { Scenario } from './scenario.js';
import { defaultScenarios } from './scenarios/index.js';

/** Where the CLI writes; injected so tests capture output. */
export interface BenchCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit code for usage errors. */
export const USAGE_ERROR_EXIT_CODE = 2;

/**
 * Runs `npm run bench` (`node tools/bench/dist/main.js [--quick] [--json] [--runs N] [--out DIR]
 * [--only a,b] [--corpus-mb N]`). `--only` keeps the named scenarios (e.g. `shuffle,tiny-job`) for a
 * focused before/after measurement; ratios against scenarios left out then show no value.
 * Prints the Markdown report (or, with `--json`, the JSON report) on stdout and progress on stderr.
 * Returns the exit code: 0 when every scenario ran and every check passed, 1 otherwise, 2 on usage
 * errors. Speed never fails the run: CI runs `--quick` only so the benchmark cannot rot.
 *
 * @param overrides test hooks: anything `runBench` accepts (scenarios, work directory, corpus size)
 */
export async function runBenchCli(
  argv: readonly string[],
  io: BenchCliIo,
  overrides: Partial<RunBenchOptions> = {},
): Promise<number> {
  const program = new Command('weft-bench')
    .description('Benchmark Weft: baselines (and cluster scenarios) on a generated corpus; writes results/<date>.json and .md.')
    .option('--quick', 'small inputs, one run each (what CI runs)')
    .option('--json', 'print the JSON report instead of the Markdown table')
    .option('--runs <n>', 'runs per entry (default 5, 1 with --quick)', parsePositiveInteger)
    .option('--out <dir>', 'report directory (default tools/bench/results; with --quick tools/bench/work/results)')
    .option('--only <names>', 'run only these scenarios (comma-separated names, e.g. shuffle,tiny-job)')
    .option('--corpus-mb <n>', 'corpus size in MB (default 256, 4 with --quick)', parsePositiveInteger)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT_CODE;
    throw error;
  }
  const opts = program.opts<{ quick?: boolean; json?: boolean; runs?: number; out?: string; only?: string; corpusMb?: number }>();
  const options: RunBenchOptions = { quick: opts.quick === true, log: (line) => io.stderr(`${line}\n`), ...overrides };
  if (opts.only !== undefined) {
    const picked = pickScenarios(options.scenarios ?? defaultScenarios(), opts.only);
    if (typeof picked === 'string') {
      io.stderr(`error: ${picked}\n`);
      return USAGE_ERROR_EXIT_CODE;
    }
    options.scenarios = picked;
  }
  if (opts.corpusMb !== undefined) options.corpusBytes = opts.corpusMb * 1024 * 1024;
  if (opts.runs !== undefined) options.runs = opts.runs;
  if (opts.out !== undefined) options.outDir = resolve(opts.out);
  const outcome = await runBench(options);
  io.stdout(opts.json ? `${JSON.stringify(outcome.report)}\n` : renderMarkdown(outcome.report));
  io.stderr(`report: ${outcome.jsonPath}\nreport: ${outcome.markdownPath}\n`);
  if (!outcome.ok) io.stderr('bench: a scenario failed or a check did not pass (see the report)\n');
  return outcome.ok ? 0 : 1;
}

/** The scenarios named in `list` (comma-separated), in run order, or an error message naming unknown ones. */
function pickScenarios(all: Scenario[], list: string): Scenario[] | string {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.filter((name) => !all.some((scenario) => scenario.name === name));
  if (names.length === 0 || unknown.length > 0) {
    return `--only: unknown scenario ${unknown.map((n) => JSON.stringify(n)).join(', ') || '(none given)'}; known: ${all.map((s) => s.name).join(', ')}`;
  }
  return all.filter((scenario) => names.includes(scenario.name));
}

function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
