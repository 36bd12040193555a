/**
 * The contract between `npm run bench` and what it measures. A scenario (the baselines today; the
 * cluster scenarios of issue 7 later) runs its workloads, returns one entry per thing measured with
 * one `Measurement` per run, and may declare ratios between any entries of the same invocation and
 * correctness checks. The runner aggregates and writes the report.
 */

/** One run of one entry. */
export interface Measurement {
  /** Wall-clock time of the measured work, in milliseconds. */
  elapsedMs: number;
  /** Input bytes processed; gives MB/s (MB = 2^20 bytes). */
  bytes?: number;
  /** Items processed (tasks, requests); gives items/s. */
  items?: number;
  /** Peak resident memory, in bytes, of every process involved (a process tree, or a whole cluster). */
  peakRssBytes?: number;
  /** Any other number worth a median, e.g. `p50Ms`, `p99Ms`, `startupMs`; keys are reported as-is. */
  metrics?: Record<string, number>;
}

/** Everything measured for one named thing, e.g. "wordcount/node-single". */
export interface BenchEntry {
  /** Unique id in the report, `<scenario>/<entry>`; ratios refer to entries by it. */
  id: string;
  /** One line saying what exactly was run. */
  description: string;
  /** One measurement per run. */
  runs: Measurement[];
  /** A JSON-ready sample of the entry's answer (top words, prime counts), kept in the JSON report. */
  result?: unknown;
}

/** A ratio of two entries' medians, computed by the report. */
export interface RatioSpec {
  /** What the ratio means, e.g. "2 threads vs 1 thread (throughput)". */
  name: string;
  numerator: string;
  denominator: string;
  /**
   * Which median to compare: `mbPerSecond`, `itemsPerSecond`, `peakRssMb`, `elapsedMs`, or a
   * `metrics` key. `speedup` is denominator elapsed / numerator elapsed ("x times faster");
   * `speedup:<metrics key>` does the same with another time (e.g. `speedup:jobMs`).
   */
  metric: string;
  /** Goal from issue 7, if any: the ratio should be at least / at most this. */
  goal?: { atLeast?: number; atMost?: number };
}

/**
 * An absolute goal of issue 7 on one entry's median (e.g. scatter p99 under 10 ms), for goals that
 * are not ratios between entries.
 */
export interface GoalSpec {
  /** What the goal is, e.g. "(d) p99 per-item latency under 10 ms". */
  name: string;
  /** Entry id. */
  entry: string;
  /** `mbPerSecond`, `itemsPerSecond`, `peakRssMb`, `elapsedMs`, or a `metrics` key. */
  metric: string;
  goal: { atLeast?: number; atMost?: number };
}

/** A pass/fail fact established by a scenario (e.g. all word-count baselines agree exactly). */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a scenario hands back. */
export interface ScenarioResult {
  entries: BenchEntry[];
  ratios?: RatioSpec[];
  checks?: Check[];
  /** Absolute goals on this scenario's entries. */
  goals?: GoalSpec[];
  /**
   * Set when the scenario could not measure because the feature it needs is missing from the
   * cluster (e.g. an RPC answers UNIMPLEMENTED): the reason, reported as "not available". Never
   * replaced by a made-up number.
   */
  notAvailable?: string;
}

/** The shared corpus every word-count workload reads. */
export interface CorpusInfo {
  path: string;
  bytes: number;
  lines: number;
  seed: number;
}

/** What the runner gives each scenario. */
export interface ScenarioContext {
  /** `--quick`: small inputs, one run each (CI keeps the benchmark from rotting this way). */
  readonly quick: boolean;
  /** How many runs to do of each entry (median/min/max are taken over them). */
  readonly runs: number;
  /** Scratch directory for generated inputs (git-ignored). */
  readonly workDir: string;
  /** The generated word-count corpus. */
  readonly corpus: CorpusInfo;
  /** Progress output for humans (stderr). */
  readonly log: (line: string) => void;
}

/** A named group of workloads. */
export interface Scenario {
  /** Short name, the prefix of its entries' ids. */
  readonly name: string;
  /** One line for the report. */
  readonly description: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
