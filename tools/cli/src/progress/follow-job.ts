import { Code, ConnectError } from '@weft/client';
import type { Job, JobHandle } from '@weft/client';
import type { ProgressView } from './progress-view.js';

/**
 * Shows a job's progress on `view` until it ends, then returns the final job (or throws the
 * client's `JobFailedError` for FAILED/CANCELLED). If the watch stream drops, progress stops
 * being drawn but the wait goes on (`JobHandle.wait` watches again).
 */
export async function followJob(handle: JobHandle, view: ProgressView, signal?: AbortSignal): Promise<Job> {
  try {
    for await (const event of handle.watch({ signal })) {
      const phases = event.event.case === 'snapshot' && event.phases.length === 0 ? event.event.value.phases : event.phases;
      view.update(phases);
    }
  } catch (err) {
    if (ConnectError.from(err).code !== Code.Unavailable) throw err;
  } finally {
    view.stop();
  }
  return handle.wait({ signal });
}
