import { BatchQueue } from './batch-queue.js';

describe('BatchQueue', () => {
  it('hands over everything pushed in one turn as one batch, then ends when closed', async () => {
    const queue = new BatchQueue<number>();
    const seen: number[][] = [];
    const consumer = (async () => {
      for await (const batch of queue.batches()) seen.push(batch);
    })();
    queue.push(1);
    queue.push(2);
    await new Promise((resolve) => setTimeout(resolve, 5));
    queue.push(3);
    queue.close();
    queue.push(4);
    await consumer;
    expect(seen).toEqual([[1, 2], [3]]);
  });

  it('throws the close error after the remaining items', async () => {
    const queue = new BatchQueue<string>();
    queue.push('a');
    queue.close(new Error('broken'));
    const seen: string[] = [];
    await expect((async () => {
      for await (const batch of queue.batches()) seen.push(...batch);
    })()).rejects.toThrow('broken');
    expect(seen).toEqual(['a']);
  });
});
