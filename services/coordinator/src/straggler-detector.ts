/** When backup attempts are launched; see the service README for the variables. */
export interface SpeculationOptions {
  /** Launch backup attempts at all (COORDINATOR_BACKUP_TASKS, default true). */
  readonly enabled: boolean;
  /** A running attempt is a straggler past this multiple of its phase's median attempt time (COORDINATOR_BACKUP_SLOWDOWN, default 2). */
  readonly slowdown: number;
  /** ...and past this absolute time, ms (COORDINATOR_BACKUP_MIN_ELAPSED, default 1s). */
  readonly minElapsedMs: number;
  /** Backups per phase, as a fraction of its tasks, at least 1 (COORDINATOR_BACKUP_MAX_FRACTION, default 0.1). */
  readonly maxFraction: number;
}

interface Running {
  readonly started: number;
  readonly launchBackup: () => void;
  readonly onSuspectNode: () => boolean;
  backedUp: boolean;
}

/**
 * Finds stragglers in one phase of one job, the MapReduce paper's way: once the phase is near its
 * end (every task has started: nothing is left waiting but the tasks still running), an attempt
 * running longer than `slowdown` times the median of the phase's finished attempts (and at least
 * `minElapsedMs`) gets one backup attempt. So does, at any time, an attempt whose node became
 * suspect (its breaker opened: the MapReduce paper's "bad machine"). Backups per phase are capped
 * at `maxFraction` of its tasks, so the extra work stays bounded.
 */
export class StragglerDetector {
  private readonly running = new Set<Running>();
  private readonly durations: number[] = [];
  private launchedCount = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SpeculationOptions,
    private readonly progress: () => { total: number; done: number },
    checkIntervalMs = 200,
  ) {
    if (options.enabled) {
      this.timer = setInterval(() => this.check(Date.now()), checkIntervalMs);
      this.timer.unref();
    }
  }

  /** Backup attempts launched so far. */
  get launched(): number {
    return this.launchedCount;
  }

  /**
   * Tracks a primary attempt; call the returned function when it ends, however it ends.
   * `onSuspectNode` says whether the attempt's node is suspect now.
   */
  track(started: number, launchBackup: () => void, onSuspectNode: () => boolean = () => false): () => void {
    const entry: Running = { started, launchBackup, onSuspectNode, backedUp: false };
    this.running.add(entry);
    return () => this.running.delete(entry);
  }

  /** Records the wall time of a successful attempt, in ms. */
  succeeded(elapsedMs: number): void {
    this.durations.push(elapsedMs);
  }

  /** Launches the backups due at `now`; exposed for tests. */
  check(now: number): void {
    const { total, done } = this.progress();
    const nearEnd = this.durations.length > 0 && done + this.running.size >= total;
    const budget = Math.max(1, Math.ceil(this.options.maxFraction * total));
    const threshold = nearEnd ? Math.max(this.options.minElapsedMs, this.options.slowdown * median(this.durations)) : Infinity;
    for (const entry of this.running) {
      if (this.launchedCount >= budget) return;
      if (entry.backedUp || (now - entry.started <= threshold && !entry.onSuspectNode())) continue;
      entry.backedUp = true;
      this.launchedCount += 1;
      entry.launchBackup();
    }
  }

  /** Stops checking. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
