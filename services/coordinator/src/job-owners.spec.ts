import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { JobSpecSchema, JobState } from '@weft/proto';
import { JobOwners } from './job-owners.js';
import { JobStore, type StoredJob } from './job-store.js';

function job(id: string, seq: number, state = JobState.QUEUED): StoredJob {
  const spec = create(JobSpecSchema, { function: 'wordcount', inputs: [{ source: { case: 'inline', value: { records: ['a'] } } }] });
  return { id, seq, spec, state, createdMs: 1, startedMs: 0, finishedMs: 0, error: '', counters: {}, resultCount: 0, traceId: '' };
}

describe('JobOwners', () => {
  it('records owners in the journal, first writer wins, and pages one owner’s jobs newest first', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-owners-'));
    const store = new JobStore(dir);
    let owners = new JobOwners(dir);
    try {
      for (let seq = 1; seq <= 5; seq++) store.insert(job(`j${seq}`, seq, seq === 3 ? JobState.SUCCEEDED : JobState.QUEUED));
      for (const seq of [1, 3, 4]) owners.record(`j${seq}`, 'alice');
      owners.record('j2', 'bob');
      owners.record('j1', 'bob');
      owners.close();
      owners = new JobOwners(dir);
      expect([owners.ownerOf('j1'), owners.ownerOf('j2'), owners.ownerOf('j5')]).toEqual(['alice', 'bob', undefined]);
      expect(owners.page('alice', { limit: 2 })).toEqual([{ id: 'j4', seq: 4 }, { id: 'j3', seq: 3 }]);
      expect(owners.page('alice', { limit: 2, beforeSeq: 3 })).toEqual([{ id: 'j1', seq: 1 }]);
      expect(owners.page('alice', { limit: 10, state: JobState.SUCCEEDED })).toEqual([{ id: 'j3', seq: 3 }]);
    } finally {
      owners.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
