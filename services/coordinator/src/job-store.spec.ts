import { mkdtempSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { JobSpecSchema, JobState, ResultOrder } from '@weft/proto';
import { JobStore, type StoredJob } from './job-store.js';

function job(id: string, seq: number, key = ''): StoredJob {
  const spec = create(JobSpecSchema, { function: 'wordcount', idempotencyKey: key, inputs: [{ source: { case: 'inline', value: { records: ['a b'] } } }] });
  return { id, seq, spec, state: JobState.QUEUED, createdMs: 1, startedMs: 0, finishedMs: 0, error: '', counters: {}, resultCount: 0, traceId: '' };
}

describe('JobStore', () => {
  it('keeps jobs and results across reopening the database (what survives a coordinator SIGKILL)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-store-'));
    const first = new JobStore(dir);
    first.insert(job('j1', 1, 'key-1'));
    first.insert(job('j2', 2));
    const done = first.get('j1')!;
    done.state = JobState.SUCCEEDED;
    done.counters = { 'map.records_in': 2 };
    first.update(done);
    first.insertResults('j1', [
      { key: 'b', int: 5n, json: null },
      { key: 'a', int: 7n, json: null },
      { key: 'c', int: 5n, json: null },
      { key: 'huge', int: null, json: '"99999999999999999999999"' },
    ]);
    first.close();

    const second = new JobStore(dir);
    expect(second.maxSeq()).toBe(2);
    expect(second.get('j1')).toMatchObject({ state: JobState.SUCCEEDED, counters: { 'map.records_in': 2 } });
    expect(second.get('j1')!.spec.inputs[0]!.source).toEqual({ case: 'inline', value: expect.objectContaining({ records: ['a b'] }) });
    expect(second.getByIdempotencyKey('key-1')!.id).toBe('j1');
    expect(second.unfinished().map((j) => j.id)).toEqual(['j2']);
    expect(second.list({ limit: 10 }).map((j) => j.id)).toEqual(['j2', 'j1']);
    expect(second.list({ limit: 10, state: JobState.SUCCEEDED }).map((j) => j.id)).toEqual(['j1']);
    expect(second.list({ limit: 10, beforeSeq: 2 }).map((j) => j.id)).toEqual(['j1']);

    const byKey = [...second.readResults('j1', ResultOrder.KEY, 0, 0)].flat().map((r) => r.key);
    expect(byKey).toEqual(['a', 'b', 'c', 'huge']);
    expect([...second.readResults('j1', ResultOrder.KEY, 0, 2)].flat()).toEqual([
      { key: 'c', int: 5n, json: null },
      { key: 'huge', int: null, json: '"99999999999999999999999"' },
    ]);
    const byValue = [...second.readResults('j1', ResultOrder.VALUE_DESC, 3, 0)].flat().map((r) => `${r.key}=${r.int}`);
    expect(byValue).toEqual(['a=7', 'b=5', 'c=5']);
    const paged = [...second.readResults('j1', ResultOrder.KEY, 2, 1, 1)];
    expect(paged.map((batch) => batch.map((r) => r.key))).toEqual([['b'], ['c']]);
    expect(second.countResults('j1')).toBe(4);
    second.clearResults('j1');
    expect(second.countResults('j1')).toBe(0);
    second.close();
  });

  it('drops the value index of journals made before results were keyed by (job, key) only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-store-'));
    const old = new DatabaseSync(path.join(dir, 'journal.sqlite'));
    old.exec(`CREATE TABLE results (job_id TEXT NOT NULL, key TEXT NOT NULL, ival INTEGER, json TEXT, PRIMARY KEY (job_id, key)) WITHOUT ROWID;
      CREATE INDEX results_by_value ON results (job_id, ival DESC, key);
      INSERT INTO results VALUES ('j0', 'kept', 3, NULL);`);
    old.close();
    new JobStore(dir).close();
    const check = new DatabaseSync(path.join(dir, 'journal.sqlite'));
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'results'").all()).toEqual([]);
    check.close();
    const store = new JobStore(dir);
    expect([...store.readResults('j0', ResultOrder.VALUE_DESC, 0, 0)].flat()).toEqual([{ key: 'kept', int: 3n, json: null }]);
    store.close();
  });
});
