import { flattenBatches } from './flatten-batches.js';

/** A source of batches that records whether it was opened and whether it was closed. */
function source(batches: number[][], failAfter?: number) {
  const seen = { opened: false, closed: false };
  async function* gen(): AsyncGenerator<number[]> {
    seen.opened = true;
    try {
      for (const [i, batch] of batches.entries()) {
        if (i === failAfter) throw new Error('stream broke');
        yield batch;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, gen };
}

async function collect<T>(iterable: AsyncIterable<T>, stopAt = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    if (out.length === stopAt) break;
    out.push(item);
  }
  return out;
}

describe('flattenBatches', () => {
  it('yields every item of every batch in order, opening the source only when iterated', async () => {
    const { seen, gen } = source([[1, 2], [], [3], [4, 5, 6]]);
    const items = flattenBatches(gen, (batch) => batch.map((n) => n * 10));
    expect(seen.opened).toBe(false);
    expect(await collect(items)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(seen.closed).toBe(true);
  });

  it('closes the source when the caller stops early', async () => {
    const { seen, gen } = source([[1, 2], [3, 4], [5]]);
    expect(await collect(flattenBatches(gen, (b) => b), 3)).toEqual([1, 2, 3]);
    expect(seen.closed).toBe(true);
  });

  it("passes on the source's error, and closes it when handling a batch throws", async () => {
    expect(await collect(flattenBatches(source([[1], [2]], 1).gen, (b) => b)).catch((e: Error) => e.message)).toBe('stream broke');
    const { seen, gen } = source([[1], [2], [3]]);
    const failing = flattenBatches(gen, (b) => {
      if (b[0] === 2) throw new SyntaxError('bad batch');
      return b;
    });
    await expect(collect(failing)).rejects.toThrow('bad batch');
    expect(seen.closed).toBe(true);
  });
});
