import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { JobState } from '@weft/proto';

/**
 * Who submitted each job, kept in the journal (`journal.sqlite`, table `job_owners`) next to the
 * jobs, through a second connection so the journal's own code stays untouched. Jobs submitted
 * without an identity (development mode, or before authentication existed) have no row: only
 * admin callers, and callers without an identity, see them.
 */
export class JobOwners {
  private readonly db: DatabaseSync;
  private readonly statements: Record<'insert' | 'owner' | 'page', StatementSync>;

  /** Opens the journal in `dataDir`; construct it after the JobStore, which sets up the database. */
  constructor(dataDir: string) {
    this.db = new DatabaseSync(path.join(dataDir, 'journal.sqlite'));
    this.db.exec(`
      PRAGMA busy_timeout = 2000;
      CREATE TABLE IF NOT EXISTS job_owners (job_id TEXT PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS job_owners_by_owner ON job_owners (owner, job_id);
    `);
    this.statements = {
      insert: this.db.prepare('INSERT OR IGNORE INTO job_owners (job_id, owner) VALUES (?, ?)'),
      owner: this.db.prepare('SELECT owner FROM job_owners WHERE job_id = ?'),
      page: this.db.prepare(`
        SELECT j.id AS id, j.seq AS seq FROM jobs j JOIN job_owners o ON o.job_id = j.id
        WHERE o.owner = ? AND (? = 0 OR j.state = ?) AND j.seq < ?
        ORDER BY j.seq DESC LIMIT ?`),
    };
  }

  /** Records `owner` as the submitter of `jobId` (first writer wins). */
  record(jobId: string, owner: string): void {
    this.statements.insert.run(jobId, owner);
  }

  /** The submitter of `jobId`, or undefined when none was recorded. */
  ownerOf(jobId: string): string | undefined {
    const row = this.statements.owner.get(jobId) as { owner: string } | undefined;
    return row?.owner;
  }

  /** Ids and sequence numbers of `owner`'s jobs, newest first, optionally in one state, before `beforeSeq`. */
  page(owner: string, options: { state?: JobState; beforeSeq?: number; limit: number }): { id: string; seq: number }[] {
    const state = options.state ?? 0;
    const rows = this.statements.page.all(owner, state, state, options.beforeSeq ?? Number.MAX_SAFE_INTEGER, options.limit) as { id: string; seq: number }[];
    return rows.map((row) => ({ id: String(row.id), seq: Number(row.seq) }));
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }
}
