/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) the summary reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** One function's self time. */
export interface SelfTime {
  /** `name (file:line)`, file relative to the workspace when possible. */
  function: string;
  /** Self time in milliseconds. */
  ms: number;
  /** Share of the profile's busy (non-idle) time, 0..1. */
  share: number;
}

/** Where one thread's time went. */
export interface ProfileSummary {
  /** Profile duration, in milliseconds. */
  totalMs: number;
  /** Time waiting for work (`(idle)`, piscina's `atomicsWaitLoop`), in milliseconds. */
  idleMs: number;
  /** Functions by self time, descending. */
  top: SelfTime[];
}

/**
 * Frames that mean "waiting for work": V8's `(idle)`, and piscina's `atomicsWaitLoop`, where a
 * worker thread blocks in `Atomics.wait` until the pool hands it a task (no CPU used).
 */
const IDLE_FUNCTIONS = new Set(['(idle)', 'atomicsWaitLoop']);

/**
 * Summarises a CPU profile: self time per function (samples weighted by their time deltas),
 * merged across the profile's nodes with the same name, file and line, largest first. Waiting
 * (`(idle)`, piscina's `atomicsWaitLoop`) is counted apart; `(garbage collector)` and `(program)` stay in the list, since they are time the
 * thread could not spend on work.
 *
 * @param root prefix stripped from file URLs (e.g. the workspace's `file:///.../`)
 */
export function summarizeCpuProfile(profile: CpuProfile, top = 10, root = ''): ProfileSummary {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<string, number>();
  let idleMs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i]!);
    // A sample's delta is the time since the previous sample: charge it to this sample's frame.
    const ms = Math.max(0, deltas[i] ?? 0) / 1000;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (IDLE_FUNCTIONS.has(functionName)) {
      idleMs += ms;
      continue;
    }
    const file = url.startsWith(root) && root ? url.slice(root.length) : url.replace(/^file:\/\//, '');
    const key = file ? `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})` : functionName || '(anonymous)';
    selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const busy = [...selfMs.values()].reduce((a, b) => a + b, 0);
  const list = [...selfMs.entries()]
    .map(([fn, ms]) => ({ function: fn, ms, share: busy > 0 ? ms / busy : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
  return { totalMs, idleMs, top: list };
}
