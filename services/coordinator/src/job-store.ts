import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { JobSpecSchema, JobState, type JobSpec, type ResultOrder } from '@weft/proto';
import { cutChunks, ResultWriter, type ResultChunk } from '@weft/records';
import { JournalCheckpointer, type CheckpointResult } from './journal-checkpointer.js';
import { defaultChunkBytes } from './result-chunks.js';
import { readResultBatches, type DelimitedBatch } from './result-reader.js';

/** A job as the journal keeps it. */
export interface StoredJob {
  readonly id: string;
  readonly seq: number;
  readonly spec: JobSpec;
  state: JobState;
  readonly createdMs: number;
  startedMs: number;
  finishedMs: number;
  error: string;
  counters: Record<string, number>;
  resultCount: number;
  traceId: string;
}

/** True for the states a job never leaves: SUCCEEDED, FAILED and CANCELLED. */
export function isEndedState(state: JobState): boolean {
  return state === JobState.SUCCEEDED || state === JobState.FAILED || state === JobState.CANCELLED;
}

// Results are kept as Hadoop keeps reduce output, in sorted part files: each committed partition is
// a sequence of chunks (at most ~1 MiB each) of size-delimited weft.v1.Record messages in UTF-8
// byte order of their keys, so the bytes stored are the bytes ReadResults sends (format DELIMITED).
// One row per record cost ~0.25 s per partition of 190k word-count records to commit, and reading
// them back built an object per record; a chunk is one row and one copy.
const schema = `
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    spec BLOB NOT NULL,
    state INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    started_ms INTEGER NOT NULL DEFAULT 0,
    finished_ms INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    counters TEXT NOT NULL DEFAULT '{}',
    result_count INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT UNIQUE,
    trace_id TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX IF NOT EXISTS jobs_by_seq ON jobs (seq DESC);
  CREATE TABLE IF NOT EXISTS result_chunks (
    job_id TEXT NOT NULL,
    partition INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    records INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job_id, partition, seq)
  );
`;

/**
 * The coordinator's journal, in node:sqlite under its data directory. A job is written before
 * SubmitJob answers, so an acknowledged job survives a SIGKILL of the coordinator; its results are
 * written in one transaction per reduce partition, once that partition's winning attempt is known.
 * Journals from before result chunks (a `results` table, one row per record) are migrated when
 * opened: each job's rows become chunks of partition 0 and the table is dropped, in one transaction.
 * The write-ahead log is checkpointed by a thread of its own (`JournalCheckpointer`), not inside
 * one of the commits.
 */
export class JobStore {
  private readonly db: DatabaseSync;
  private checkpointer: JournalCheckpointer | undefined;
  private readonly statements: Record<'insert' | 'update' | 'byId' | 'byKey' | 'insertChunk' | 'chunk' | 'partitions' | 'deleteResults' | 'countResults' | 'maxSeq', StatementSync>;

  /**
   * @param dataDir where `journal.sqlite` lives (created if missing).
   * @param options.chunkBytes largest result chunk the migration of an old journal writes (default 1 MiB).
   * @param options.onCheckpointFailure told when the checkpoint thread fails; the journal then
   *   checkpoints inside its commits again, as SQLite does by default.
   */
  constructor(dataDir: string, options: { chunkBytes?: number; onCheckpointFailure?: (error: Error) => void } = {}) {
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'journal.sqlite');
    // A lock held a moment by another connection is waited for rather than failed on: the
    // checkpoint thread's connection, closing after a previous store's close() (the last to close
    // checkpoints the log and removes it), may hold the file while this one opens it.
    this.db = new DatabaseSync(file, { timeout: 5_000 });
    this.db.exec(schema);
    this.db.exec('PRAGMA wal_autocheckpoint = 0');
    this.checkpointer = new JournalCheckpointer(file, {
      onFailure: (error) => {
        this.checkpointer = undefined;
        if (this.db.isOpen) this.db.exec('PRAGMA wal_autocheckpoint = 1000');
        options.onCheckpointFailure?.(error);
      },
    });
    this.migrateResultRows(options.chunkBytes ?? defaultChunkBytes);
    this.statements = {
      insert: this.db.prepare('INSERT INTO jobs (id, seq, spec, state, created_ms, idempotency_key, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      update: this.db.prepare('UPDATE jobs SET state = ?, started_ms = ?, finished_ms = ?, error = ?, counters = ?, result_count = ?, trace_id = ? WHERE id = ?'),
      byId: this.db.prepare('SELECT * FROM jobs WHERE id = ?'),
      byKey: this.db.prepare('SELECT * FROM jobs WHERE idempotency_key = ?'),
      insertChunk: this.db.prepare('INSERT INTO result_chunks (job_id, partition, seq, records, data) VALUES (?, ?, ?, ?, ?)'),
      chunk: this.db.prepare('SELECT data FROM result_chunks WHERE job_id = ? AND partition = ? AND seq = ?'),
      partitions: this.db.prepare('SELECT DISTINCT partition FROM result_chunks WHERE job_id = ? ORDER BY partition'),
      deleteResults: this.db.prepare('DELETE FROM result_chunks WHERE job_id = ?'),
      countResults: this.db.prepare('SELECT COALESCE(SUM(records), 0) AS n FROM result_chunks WHERE job_id = ?'),
      maxSeq: this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM jobs'),
    };
  }

  /** The highest sequence number journaled so far (0 when empty). */
  maxSeq(): number {
    return Number((this.statements.maxSeq.get() as { seq: number }).seq);
  }

  /** Journals a new job. */
  insert(job: StoredJob): void {
    this.statements.insert.run(job.id, job.seq, toBinary(JobSpecSchema, job.spec), job.state, job.createdMs, job.spec.idempotencyKey || null, job.traceId);
    this.checkpointer?.nudge();
  }

  /** Writes a job's mutable fields. */
  update(job: StoredJob): void {
    this.statements.update.run(job.state, job.startedMs, job.finishedMs, job.error, JSON.stringify(job.counters), job.resultCount, job.traceId, job.id);
    this.checkpointer?.nudge();
  }

  /** A job by id, or undefined. */
  get(id: string): StoredJob | undefined {
    const row = this.statements.byId.get(id);
    return row ? toJob(row) : undefined;
  }

  /** The job submitted with an idempotency key, or undefined. */
  getByIdempotencyKey(key: string): StoredJob | undefined {
    const row = this.statements.byKey.get(key);
    return row ? toJob(row) : undefined;
  }

  /**
   * Gives a journaled job the idempotency key it was submitted without (an upload claims its key
   * only once all its bytes are in, so a broken upload never holds one). Returns the other job
   * when one already holds the key, leaving `job` without it.
   */
  claimIdempotencyKey(job: StoredJob, key: string): StoredJob | undefined {
    const holder = this.getByIdempotencyKey(key);
    if (holder) return holder.id === job.id ? undefined : holder;
    job.spec.idempotencyKey = key;
    this.db.prepare('UPDATE jobs SET idempotency_key = ?, spec = ? WHERE id = ?').run(key, toBinary(JobSpecSchema, job.spec), job.id);
    this.checkpointer?.nudge();
    return undefined;
  }

  /** Jobs newest first, optionally in one state, after the sequence number `beforeSeq`. */
  list(options: { state?: JobState; beforeSeq?: number; limit: number }): StoredJob[] {
    const where: string[] = [];
    const args: (number | string)[] = [];
    if (options.state) {
      where.push('state = ?');
      args.push(options.state);
    }
    if (options.beforeSeq !== undefined) {
      where.push('seq < ?');
      args.push(options.beforeSeq);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return this.db.prepare(sql).all(...args, options.limit).map(toJob);
  }

  /** Jobs that had not ended when the coordinator stopped, oldest first. */
  unfinished(): StoredJob[] {
    return this.db
      .prepare('SELECT * FROM jobs WHERE state IN (?, ?) ORDER BY seq ASC')
      .all(JobState.QUEUED, JobState.RUNNING)
      .map(toJob);
  }

  /** Deletes a job's results (before it runs again after a restart). */
  clearResults(jobId: string): void {
    this.statements.deleteResults.run(jobId);
    this.checkpointer?.nudge();
  }

  /** Writes one committed partition's chunks (in key order) in a single transaction; returns its record count. */
  insertResults(jobId: string, partition: number, chunks: readonly ResultChunk[]): number {
    let count = 0;
    this.transaction(() => {
      for (const [seq, chunk] of chunks.entries()) {
        this.statements.insertChunk.run(jobId, partition, seq, chunk.records, chunk.data);
        count += chunk.records;
      }
    });
    return count;
  }

  /** Number of result records of a job. */
  countResults(jobId: string): number {
    return Number((this.statements.countResults.get(jobId) as { n: number }).n);
  }

  /**
   * Streams a job's results in the requested order (see readResultBatches), skipping `offset`
   * records and stopping after `limit` (0: all), as batches of about `batchBytes` (default 1 MiB)
   * of size-delimited Record bytes. Holds one chunk per partition in key order.
   */
  readResults(jobId: string, order: ResultOrder, limit: number, offset: number, batchBytes = defaultChunkBytes): Generator<DelimitedBatch> {
    const partitions = this.statements.partitions.all(jobId).map((row) => Number(row.partition));
    const chunk = this.statements.chunk;
    const source = {
      partitions,
      chunk: (partition: number, seq: number) => (chunk.get(jobId, partition, seq) as { data: Uint8Array } | undefined)?.data,
    };
    return readResultBatches(source, order, limit, offset, batchBytes);
  }

  /** Moves the rows of a pre-chunk `results` table into chunks, then drops it. */
  private migrateResultRows(chunkBytes: number): void {
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results'").get()) return;
    const insert = this.db.prepare('INSERT INTO result_chunks (job_id, partition, seq, records, data) VALUES (?, 0, ?, ?, ?)');
    // ORDER BY key compares the stored UTF-8 bytes (BINARY collation): the chunks' order.
    const rows = this.db.prepare('SELECT job_id, key, ival, json FROM results ORDER BY job_id, key');
    rows.setReadBigInts(true);
    rows.setReturnArrays(true);
    const encoder = new TextEncoder();
    this.transaction(() => {
      let jobId: string | undefined;
      let writer = new ResultWriter();
      const flush = (): void => {
        if (jobId !== undefined) for (const [seq, chunk] of cutChunks(writer.finish(), chunkBytes).entries()) insert.run(jobId, seq, chunk.records, chunk.data);
        writer = new ResultWriter();
      };
      for (const [job, key, ival, json] of rows.iterate() as unknown as Iterable<[string, string, bigint | null, string | null]>) {
        if (job !== jobId) {
          flush();
          jobId = job;
        }
        const bytes = encoder.encode(key);
        writer.append(bytes, 0, bytes.length, ival, json);
      }
      flush();
      this.db.exec('DROP TABLE results');
    });
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN');
    try {
      work();
      this.db.exec('COMMIT');
      this.checkpointer?.nudge();
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** The checkpoint thread's next checkpoint (undefined when checkpoints run inside commits). @internal For tests. */
  nextCheckpoint(): Promise<CheckpointResult> | undefined {
    return this.checkpointer?.next();
  }

  /** Closes the database (and stops the checkpoint thread). */
  close(): void {
    this.checkpointer?.close();
    this.checkpointer = undefined;
    this.db.close();
  }
}

function toJob(row: Record<string, unknown>): StoredJob {
  return {
    id: String(row.id),
    seq: Number(row.seq),
    spec: fromBinary(JobSpecSchema, row.spec as Uint8Array),
    state: Number(row.state) as JobState,
    createdMs: Number(row.created_ms),
    startedMs: Number(row.started_ms),
    finishedMs: Number(row.finished_ms),
    error: String(row.error),
    counters: JSON.parse(String(row.counters)) as Record<string, number>,
    resultCount: Number(row.result_count),
    traceId: String(row.trace_id),
  };
}
