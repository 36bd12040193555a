import { join } from 'node:path';
import { ensureCorpusFile } from '@weft/corpus';
import type { CorpusInfo, ScenarioContext } from '../scenario.js';

/**
 * A corpus of `bytes` for scenarios whose ratios compare cluster configurations with each other
 * (not with the baselines), so they can use a smaller input than the shared one in full runs. Same
 * seed and file naming as the runner's corpus (cached in the work directory). Quick runs, or a
 * size at least the shared corpus's, reuse the shared corpus.
 */
export async function scenarioCorpus(context: ScenarioContext, bytes: number): Promise<CorpusInfo> {
  if (context.quick || bytes >= context.corpus.bytes) return context.corpus;
  const path = join(context.workDir, `corpus-${bytes}-seed${context.corpus.seed}.txt`);
  const info = await ensureCorpusFile(path, { bytes, seed: context.corpus.seed });
  return { path, bytes: info.bytes, lines: info.lines, seed: context.corpus.seed };
}

/**
 * Runs per entry for scenarios whose one run is a whole word count of the corpus on a cluster:
 * at most 3 (each takes about a minute on a loaded 2-core machine), fewer when asked.
 */
export function clusterRuns(context: ScenarioContext): number {
  return Math.min(context.runs, 3);
}
