import { PartitionUnavailableError } from '@weft/errors';

interface StoredOutput {
  readonly partitions: Uint8Array[];
  readonly bytes: number;
}

/**
 * Map outputs this mapper holds for reducers, per job, map task and attempt. Outputs stay until
 * the coordinator says the job ended (DropJob); a later issue adds a memory budget with spilling.
 */
export class MapOutputStore {
  private readonly outputs = new Map<string, StoredOutput>();
  private heldBytes = 0;

  /** Bytes held now. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Keeps one attempt's partitions. */
  put(jobId: string, taskId: string, attempt: number, partitions: Uint8Array[]): void {
    const bytes = partitions.reduce((sum, p) => sum + p.byteLength, 0);
    const key = keyOf(jobId, taskId, attempt);
    this.drop(key);
    this.outputs.set(key, { partitions, bytes });
    this.heldBytes += bytes;
  }

  /** One partition of one attempt. Throws PartitionUnavailableError naming what is missing. */
  get(jobId: string, taskId: string, attempt: number, partition: number): Uint8Array {
    const output = this.outputs.get(keyOf(jobId, taskId, attempt));
    if (!output) throw new PartitionUnavailableError(`job ${jobId} has no output of map task ${taskId} attempt ${attempt} on this mapper`);
    const run = output.partitions[partition];
    if (!run) throw new PartitionUnavailableError(`job ${jobId} map task ${taskId} has no partition ${partition}`);
    return run;
  }

  /** Frees every output of a job. */
  dropJob(jobId: string): void {
    for (const key of [...this.outputs.keys()]) if (key.startsWith(`${jobId}/`)) this.drop(key);
  }

  private drop(key: string): void {
    const old = this.outputs.get(key);
    if (!old) return;
    this.heldBytes -= old.bytes;
    this.outputs.delete(key);
  }
}

function keyOf(jobId: string, taskId: string, attempt: number): string {
  return `${jobId}/${taskId}/${attempt}`;
}
