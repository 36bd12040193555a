import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { WatchJobResponseSchema, type PhaseProgress, type WatchJobResponse } from '@weft/proto';

/** The `event` oneof of a WatchJobResponse. */
export type JobEventBody = MessageInitShape<typeof WatchJobResponseSchema>['event'];

/**
 * A job's events in order, numbered from 1, with any number of followers. Every follower sees
 * the same sequence; a follower that starts late first gets a snapshot from the caller, then the
 * events after it. The log ends when the job ends.
 */
export class JobEventLog {
  private readonly events: WatchJobResponse[] = [];
  private readonly listeners = new Set<() => void>();
  private ended = false;

  /** Sequence number of the last event (0 when none). */
  get lastSequence(): number {
    return this.events.length;
  }

  /** Appends an event; `phases` is the progress after it. */
  append(event: JobEventBody, phases: PhaseProgress[]): void {
    if (this.ended) return;
    this.events.push(create(WatchJobResponseSchema, { sequence: BigInt(this.events.length + 1), time: timestampFromMs(Date.now()), event, phases }));
    this.notify();
  }

  /** Marks the log complete: followers drain what is left and stop. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Yields the events after `afterSequence`, waiting for new ones, until the log ends or `signal` aborts. */
  async *follow(afterSequence: number, signal: AbortSignal): AsyncGenerator<WatchJobResponse> {
    let next = afterSequence;
    while (!signal.aborted) {
      while (next < this.events.length) yield this.events[next++]!;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.listeners.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.listeners.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private notify(): void {
    for (const wake of [...this.listeners]) wake();
  }
}
