import type { MapInput } from './map-planner.js';

/** A line-aligned byte range of an upload file whose bytes are all written. */
export type FileRange = MapInput & { readonly kind: 'file' };

const newline = 0x0a;

/**
 * Map input that arrives while its job runs: the job runner maps each range as soon as it is
 * complete instead of waiting for the whole input (see job-runner.ts).
 */
export interface MapInputFeed {
  /** The index of the spec input the feed stands for; the planner leaves it out. */
  readonly inputIndex: number;
  /**
   * The ranges in order, each once it is complete. Ends when the input is complete; throws when it
   * broke off, or `signal`'s reason once `signal` aborts (the job stopped following the feed).
   * Iterated at most once.
   */
  ranges(signal: AbortSignal): AsyncIterable<FileRange>;
}

/**
 * Cuts an upload file into line-aligned ranges as its bytes are written, and hands them to the
 * job runner ({@link MapInputFeed}). A range ends right after a newline once it holds at least
 * `splitBytes`, so every line of it is complete on disk and a mapper's reader (which finishes the
 * last line of its range past `end`) never reads past what is written; the last range is the rest
 * of the file, cut by {@link complete}. Like Hadoop's splits, the ranges cover each line once.
 */
export class UploadFeed implements MapInputFeed {
  private readonly ready: FileRange[] = [];
  private total = 0;
  /** Where the next range starts. */
  private start = 0;
  /** The offset just past the last newline written. */
  private lineEnd = 0;
  private state: { kind: 'open' } | { kind: 'complete' } | { kind: 'broken'; error: unknown } = { kind: 'open' };
  private wake: (() => void) | undefined;
  private following = false;
  private stopReason: unknown;

  constructor(
    /** The file the bytes are written to (mappers read the ranges from it). */
    readonly path: string,
    readonly inputIndex: number,
    /** Smallest range cut before the input is complete. */
    private readonly splitBytes: number,
  ) {}

  /** Bytes written so far. */
  get bytes(): number {
    return this.total;
  }

  /** Why the job stopped following the feed before it was complete (cancelled, or a task failed); undefined while it follows. */
  get stopped(): unknown {
    return this.stopReason;
  }

  /** Records that `chunk` was written at the end of the file (call after the write completed). */
  wrote(chunk: Uint8Array): void {
    if (this.state.kind !== 'open') throw new Error('the upload feed is no longer open');
    const last = chunk.lastIndexOf(newline);
    if (last >= 0) this.lineEnd = this.total + last + 1;
    this.total += chunk.byteLength;
    if (this.lineEnd - this.start >= this.splitBytes) {
      this.push(this.start, this.lineEnd);
      this.start = this.lineEnd;
    }
  }

  /** The input is complete: the rest of the file becomes the last range. */
  complete(): void {
    if (this.state.kind !== 'open') return;
    if (this.total > this.start) this.push(this.start, this.total);
    this.start = this.total;
    this.state = { kind: 'complete' };
    this.notify();
  }

  /** The input broke off: the job following the feed fails with `error`. */
  fail(error: unknown): void {
    if (this.state.kind !== 'open') return;
    this.state = { kind: 'broken', error };
    this.notify();
  }

  async *ranges(signal: AbortSignal): AsyncGenerator<FileRange> {
    if (this.following) throw new Error('an upload feed is followed once');
    this.following = true;
    const onAbort = (): void => this.notify();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const next = this.ready.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.state.kind === 'complete') return;
        if (this.state.kind === 'broken') throw this.state.error;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } catch (error) {
      if (this.state.kind === 'open') this.stop(error);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      // A consumer that returned early (break) stopped following too.
      if (this.state.kind === 'open' && this.stopReason === undefined) this.stop(new Error('the job stopped reading its upload'));
    }
  }

  private stop(reason: unknown): void {
    this.stopReason = reason;
  }

  private push(start: number, end: number): void {
    this.ready.push({ kind: 'file', path: this.path, start, end, label: this.path });
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
