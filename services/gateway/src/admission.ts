import { ResourceExhaustedError } from '@weft/errors';
import { bulkhead, isBulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';

/** Options of {@link Admission}. */
export interface AdmissionOptions {
  /** Admitted calls running at once (GATEWAY_ADMISSION_LIMIT). */
  readonly limit: number;
  /** Calls that may wait for a free place; beyond it calls are refused at once (GATEWAY_ADMISSION_QUEUE). */
  readonly queue: number;
}

/**
 * Admission control for the calls that create work (SubmitJob, UploadJob, Scatter): a cockatiel
 * bulkhead of `limit` running calls and a bounded queue. A call arriving when both are full is
 * answered RESOURCE_EXHAUSTED at once, never left hanging, so a flood costs the gateway a bounded
 * amount of memory. A streaming call holds its place until its stream ends.
 */
export class Admission {
  private readonly bulkhead: BulkheadPolicy;

  constructor(private readonly options: AdmissionOptions) {
    this.bulkhead = bulkhead(options.limit, options.queue);
  }

  /** Calls running now. */
  get running(): number {
    return this.options.limit - this.bulkhead.executionSlots;
  }

  /** Runs a unary or client-streaming call once admitted. Throws ResourceExhaustedError when full. */
  async run<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      return await this.bulkhead.execute(() => call(), signal);
    } catch (error) {
      throw this.refusal(error);
    }
  }

  /** Relays a server stream once admitted, holding the place until the stream ends. Throws ResourceExhaustedError when full. */
  async *stream<T>(open: () => AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
    let release = (): void => undefined;
    const finished = new Promise<void>((resolve) => (release = resolve));
    let admitted = (): void => undefined;
    const started = new Promise<void>((resolve) => (admitted = resolve));
    const held = this.bulkhead.execute(() => {
      admitted();
      return finished;
    }, signal);
    try {
      await Promise.race([started, held]);
    } catch (error) {
      throw this.refusal(error);
    }
    try {
      yield* open();
    } finally {
      release();
      await held.catch(() => undefined);
    }
  }

  private refusal(error: unknown): unknown {
    if (!isBulkheadRejectedError(error)) return error;
    return new ResourceExhaustedError(`the gateway is at its admission limit (${this.options.limit} calls running, ${this.options.queue} queued): retry later`);
  }
}
