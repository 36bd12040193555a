import { countWordsInFile } from '../baselines/node-single.ts';

/** The exact word counts of a file, from the bench's own fast Node baseline (lesson semantics). */
export interface ReferenceCounts {
  /** Every lower-cased token and its count. */
  readonly counts: ReadonlyMap<string, number>;
  /** Total tokens. */
  readonly tokens: number;
}

const cache = new Map<string, ReferenceCounts>();

/**
 * The reference counts of `path`, computed once per path and process with the baseline's code
 * (`countWordsInFile`): the cluster's answers must equal them exactly.
 */
export function referenceCounts(path: string): ReferenceCounts {
  let found = cache.get(path);
  if (!found) {
    const counts = countWordsInFile(path);
    found = { counts: counts.toMap(), tokens: counts.tokens };
    cache.set(path, found);
  }
  return found;
}

/** Outcome of comparing a job's results with the reference. */
export interface CountComparison {
  ok: boolean;
  /** "N distinct, M tokens" when equal, else the first differences. */
  detail: string;
}

/**
 * Compares result records (`keys[i]` has `values[i]`) with the reference: same keys, same counts,
 * nothing missing and nothing extra.
 */
export function compareCounts(reference: ReferenceCounts, keys: readonly string[], values: readonly unknown[]): CountComparison {
  const wrong: string[] = [];
  const seen = new Set<string>();
  let tokens = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = values[i];
    seen.add(key);
    if (typeof value === 'number') tokens += value;
    const want = reference.counts.get(key);
    if (want !== value && wrong.length < 3) wrong.push(`${JSON.stringify(key)}: got ${String(value)}, expected ${String(want)}`);
  }
  if (seen.size !== keys.length && wrong.length < 3) wrong.push(`${keys.length - seen.size} duplicate keys`);
  if (wrong.length === 0 && seen.size !== reference.counts.size) {
    const missing = [...reference.counts.keys()].find((k) => !seen.has(k));
    wrong.push(`${reference.counts.size - seen.size} words missing, e.g. ${JSON.stringify(missing)}`);
  }
  if (wrong.length > 0) return { ok: false, detail: wrong.join('; ') };
  return { ok: true, detail: `${keys.length} distinct, ${tokens} tokens, all equal to the baseline's` };
}
