import type { BenchEntry, CorpusInfo, ScenarioContext } from '../scenario.js';
import { measureChild } from '../scenarios/measure-child.js';
import { hasCommand, wordCountBaselineWorkload } from '../scenarios/wordcount-baselines.js';

/** A word-count baseline a cluster scenario runs again beside its own runs. */
export type AlongsideKind = 'node-threads' | 'python-lesson';

const ids: Record<AlongsideKind, string> = { 'node-threads': 'node-threads-2', 'python-lesson': 'python-lesson' };

/**
 * Word-count baselines run again right after each run of a cluster scenario, so a goal's ratio
 * compares the cluster with a baseline measured in the same minute. This 2-core host drifts: in
 * one evening `wordcount/node-threads-2` gave 86 to 114 MB/s from one full run to the next, while
 * the cluster scenarios run minutes after the baselines scenario. Entries are
 * `<scenario>/<baseline>-alongside`; the baselines scenario's own entries stay in the report, and
 * their ratios are shown beside.
 */
export class AlongsideBaselines {
  readonly entries: BenchEntry[];
  private readonly kinds: AlongsideKind[];
  private readonly scenario: string;
  private readonly corpus: Pick<CorpusInfo, 'path' | 'bytes'>;

  constructor(scenario: string, kinds: readonly AlongsideKind[], corpus: Pick<CorpusInfo, 'path' | 'bytes'>) {
    this.scenario = scenario;
    this.corpus = corpus;
    this.kinds = kinds.filter((kind) => kind !== 'python-lesson' || hasCommand('python3'));
    this.entries = this.kinds.map((kind) => ({
      id: this.id(kind),
      description: `\`wordcount/${ids[kind]}\` again, run right after each of this scenario's runs (same machine state)`,
      runs: [],
    }));
  }

  /** The entry id of `kind` (whether or not it runs here). */
  id(kind: AlongsideKind): string {
    return `${this.scenario}/${ids[kind]}-alongside`;
  }

  /** Whether `kind` runs (Python needs `python3`). */
  has(kind: AlongsideKind): boolean {
    return this.kinds.includes(kind);
  }

  /** Runs each baseline once (after run `run` of the scenario). */
  async runOnce(context: ScenarioContext, run: number, runs: number): Promise<void> {
    for (const [index, kind] of this.kinds.entries()) {
      context.log(`  ${this.entries[index]!.id} run ${run}/${runs}`);
      const { measurement } = await measureChild(wordCountBaselineWorkload(kind, this.corpus.path, this.corpus.bytes));
      this.entries[index]!.runs.push(measurement);
    }
  }
}
