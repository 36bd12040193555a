import { mkdirSync, rmSync } from 'node:fs';
import { open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PartitionUnavailableError } from '@weft/errors';

/** Options of a {@link MapOutputStore}. */
export interface MapOutputStoreOptions {
  /** Bytes of map output kept in memory; outputs beyond it go to disk (MAPPER_OUTPUT_MEMORY). */
  readonly memoryBudgetBytes: number;
  /** Directory for spilled outputs; emptied at start and at close (MAPPER_SPILL_DIR). */
  readonly spillDir: string;
}

interface StoredOutput {
  /** The runs, while held in memory. */
  readonly partitions?: Uint8Array[];
  /** Where the runs lie in the spill file: [start, end) per partition. */
  readonly ranges?: [number, number][];
  readonly file?: string;
  readonly bytes: number;
}

/**
 * Map outputs this mapper holds for reducers, per job, map task and attempt, until the coordinator
 * says the job ended (DropJob). At most `memoryBudgetBytes` stay in memory: an output that does not
 * fit is written to one file in the spill dir and served from there in chunks, so a mapper's memory
 * stays bounded however much map output it holds.
 */
export class MapOutputStore {
  private readonly outputs = new Map<string, StoredOutput>();
  private memoryBytes = 0;
  private diskBytes = 0;
  private spills = 0;

  constructor(private readonly options: MapOutputStoreOptions) {
    rmSync(options.spillDir, { recursive: true, force: true });
    mkdirSync(options.spillDir, { recursive: true });
  }

  /** Bytes held in memory now. */
  get bytes(): number {
    return this.memoryBytes;
  }

  /** Bytes spilled to disk and still held. */
  get spilledBytes(): number {
    return this.diskBytes;
  }

  /** Keeps one attempt's partitions: in memory within the budget, else on disk. Resolves where they went. */
  async put(jobId: string, taskId: string, attempt: number, partitions: Uint8Array[]): Promise<{ spilled: boolean; bytes: number }> {
    const bytes = partitions.reduce((sum, p) => sum + p.byteLength, 0);
    const key = keyOf(jobId, taskId, attempt);
    await this.drop(key);
    if (this.memoryBytes + bytes <= this.options.memoryBudgetBytes) {
      this.outputs.set(key, { partitions, bytes });
      this.memoryBytes += bytes;
      return { spilled: false, bytes };
    }
    const file = path.join(this.options.spillDir, `${(this.spills += 1)}.run`);
    const ranges: [number, number][] = [];
    let offset = 0;
    for (const p of partitions) {
      ranges.push([offset, offset + p.byteLength]);
      offset += p.byteLength;
    }
    await writeFile(file, partitions);
    this.outputs.set(key, { ranges, file, bytes });
    this.diskBytes += bytes;
    return { spilled: true, bytes };
  }

  /**
   * One partition of one attempt, in pieces of at most `chunkBytes` (read from disk piece by piece
   * when spilled). Throws PartitionUnavailableError naming what is missing.
   */
  async *chunks(jobId: string, taskId: string, attempt: number, partition: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
    const output = this.outputs.get(keyOf(jobId, taskId, attempt));
    if (!output) throw new PartitionUnavailableError(`job ${jobId} has no output of map task ${taskId} attempt ${attempt} on this mapper`);
    const run = output.partitions?.[partition];
    const range = output.ranges?.[partition];
    if (run) {
      for (let offset = 0; offset < run.byteLength; offset += chunkBytes) yield run.subarray(offset, offset + chunkBytes);
      return;
    }
    if (!range || !output.file) throw new PartitionUnavailableError(`job ${jobId} map task ${taskId} has no partition ${partition}`);
    const handle = await open(output.file, 'r').catch((error: unknown) => {
      throw new PartitionUnavailableError(`job ${jobId} map task ${taskId} attempt ${attempt} was dropped while being read`, { cause: error });
    });
    try {
      for (let offset = range[0]; offset < range[1]; offset += chunkBytes) {
        const piece = Buffer.allocUnsafe(Math.min(chunkBytes, range[1] - offset));
        const { bytesRead } = await handle.read(piece, 0, piece.byteLength, offset);
        yield piece.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  /** Frees every output of a job. */
  async dropJob(jobId: string): Promise<void> {
    for (const key of [...this.outputs.keys()]) if (key.startsWith(`${jobId}/`)) await this.drop(key);
  }

  /** Removes the spill dir. */
  close(): void {
    rmSync(this.options.spillDir, { recursive: true, force: true });
  }

  private async drop(key: string): Promise<void> {
    const old = this.outputs.get(key);
    if (!old) return;
    this.outputs.delete(key);
    if (old.file) {
      this.diskBytes -= old.bytes;
      await rm(old.file, { force: true });
    } else {
      this.memoryBytes -= old.bytes;
    }
  }
}

function keyOf(jobId: string, taskId: string, attempt: number): string {
  return `${jobId}/${taskId}/${attempt}`;
}
