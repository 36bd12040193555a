import { fileURLToPath } from 'node:url';

// This file sits at the top of src/ (as paths.ts) and of dist/ (as paths.js), so the package root
// is one level up either way, and sibling files share this file's extension.
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Root of the bench package (`tools/bench`). */
export const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Default directory for generated corpora and quick-mode reports (git-ignored). */
export const DEFAULT_WORK_DIR = fileURLToPath(new URL('../work', import.meta.url));

/** Directory of committed full-run reports. */
export const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

/** The Node baselines' child-process entry (TypeScript under jest, JavaScript from dist). */
export const NODE_BASELINE_ENTRY = fileURLToPath(new URL(`./baselines/run-baseline${extension}`, import.meta.url));

/** The lesson's Python algorithm; not compiled, so always read from src/. */
export const LESSON_PY = fileURLToPath(new URL('../src/baselines/lesson.py', import.meta.url));

/** The bench's own job module (`WEFT_FUNCTION_MODULES`), loaded by every service of a cluster: always the built file. */
export const BENCH_JOBS_MODULE = fileURLToPath(new URL('../dist/jobs/bench-jobs.js', import.meta.url));
