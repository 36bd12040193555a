import { readResultRecords, readRun, RunWriter, codecByName } from '@weft/records';
import { invertedIndex, wordcount } from './builtins/index.js';
import { runMergeTask } from './merge-task.js';
import { runReduceTask } from './reduce-task.js';

function run(records: [string, unknown][], codec: 'int' | 'json'): Uint8Array {
  const writer = new RunWriter(codecByName(codec));
  for (const [k, v] of records) writer.add(k, v);
  return writer.finish();
}

describe('runMergeTask', () => {
  it('folds values with combine, and reducing the merged run equals reducing the inputs', () => {
    const runs = () => [run([['a', 1], ['b', 2]], 'int'), run([['a', 3], ['c', 1]], 'int'), run([['b', 5]], 'int')];
    const merged = runMergeTask(wordcount, runs());
    expect([...readRun(merged.output, codecByName('int'))]).toEqual([['a', 4], ['b', 7], ['c', 1]]);
    expect(merged.recordsIn).toBe(5);
    const direct = runReduceTask(wordcount, runs(), {});
    const viaMerge = runReduceTask(wordcount, [merged.output], {});
    expect([...readResultRecords(viaMerge.output, 'int')]).toEqual([...readResultRecords(direct.output, 'int')]);
  });

  it('keeps every value of a key when the job has no combine', () => {
    const merged = runMergeTask(invertedIndex, [run([['w', 'd2']], 'json'), run([['w', 'd1'], ['x', 'd1']], 'json')]);
    expect([...readRun(merged.output, codecByName('json'))]).toEqual([['w', 'd2'], ['w', 'd1'], ['x', 'd1']]);
  });
});
