import { Worker } from 'node:worker_threads';

/** What the checkpoint thread reports after each checkpoint: sqlite's `wal_checkpoint` row. */
export interface CheckpointResult {
  /** 1 when the checkpoint could not finish because a reader or writer held a lock. */
  readonly busy: number;
  /** Frames in the write-ahead log. */
  readonly log: number;
  /** Frames copied into the database file (all of them unless busy). */
  readonly checkpointed: number;
}

// The thread's code, evaluated as a CommonJS script (no file to resolve from dist or src). It owns
// a second connection to the journal: copying the log into the database file (and syncing both)
// happens there while the coordinator's thread goes on committing, which WAL mode allows.
const threadCode = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
db.exec('PRAGMA busy_timeout = 1000');
let timer;
function checkpoint() {
  timer = undefined;
  try {
    const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    parentPort.postMessage({ busy: row.busy, log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    clearTimeout(timer);
    db.close();
    parentPort.close();
    return;
  }
  timer ??= setTimeout(checkpoint, workerData.delayMs);
});
`;

/**
 * Checkpoints the journal's write-ahead log on a thread of its own. SQLite's automatic checkpoint
 * runs inside whichever commit pushes the log past 1000 pages: for a 256 MB word count, whose
 * results are ~7 MB, that is one of the job's own commits, on the critical path (13-25 ms, most
 * of it syncing files). The journal's connection turns it off (`wal_autocheckpoint = 0`) and
 * calls `nudge()` after writing; `delayMs` later (nudges in between fold into one) this thread
 * runs a PASSIVE checkpoint, which never blocks the writer. Should the thread fail, `onFailure`
 * is told, so the journal can turn automatic checkpoints back on.
 */
export class JournalCheckpointer {
  private readonly worker: Worker;
  private closed = false;
  private readonly waiters: Array<(result: CheckpointResult) => void> = [];

  constructor(file: string, options: { delayMs?: number; onFailure: (error: Error) => void }) {
    this.worker = new Worker(threadCode, { eval: true, workerData: { file, delayMs: options.delayMs ?? 20 } });
    let failed = false;
    const fail = (error: Error): void => {
      if (failed || this.closed) return;
      failed = true;
      options.onFailure(error);
    };
    this.worker.on('message', (message: CheckpointResult | { error: string }) => {
      if ('error' in message) return fail(new Error(`journal checkpoint failed: ${message.error}`));
      for (const resolve of this.waiters.splice(0)) resolve(message);
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`journal checkpoint thread exited with code ${code}`)));
    // After the listeners, which would hold the process open again: the coordinator's own handles decide when it ends.
    this.worker.unref();
  }

  /** The log grew: checkpoint it soon. */
  nudge(): void {
    if (!this.closed) this.worker.postMessage('nudge');
  }

  /** Resolves with the next checkpoint's result (tests). */
  next(): Promise<CheckpointResult> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops the thread (after it closes its connection); a checkpoint still pending is dropped, which is safe: the log stays valid. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage('close');
  }
}
