import { UploadFeed, type FileRange } from './upload-feed.js';

const encoder = new TextEncoder();

/** Collects every range the feed yields until it ends or throws. */
async function follow(feed: UploadFeed, signal = new AbortController().signal): Promise<{ ranges: FileRange[]; error?: unknown }> {
  const ranges: FileRange[] = [];
  try {
    for await (const range of feed.ranges(signal)) ranges.push(range);
    return { ranges };
  } catch (error) {
    return { ranges, error };
  }
}

/** The lines a reader following Hadoop's rule (lines whose first byte is in [start, end)) gets from `text`. */
function linesOf(text: string, range: FileRange): string[] {
  const lines: string[] = [];
  let at = 0;
  for (const line of text.split(/(?<=\n)/)) {
    if (at >= range.start && at < range.end) lines.push(line);
    at += line.length;
  }
  return lines;
}

describe('UploadFeed', () => {
  it('cuts ranges right after a newline once they hold splitBytes, and the rest when complete', async () => {
    const feed = new UploadFeed('/data/uploads/x.txt', 1, 10);
    // Chunks cut mid-line: a range may only end where a whole line is on disk.
    const parts = ['aaaa\nbb', 'bbbbb\ncc', '\nddddddddd', 'dddddddddddd', 'ddd\nee', 'e'];
    const text = parts.join('');
    const followed = follow(feed);
    for (const part of parts) feed.wrote(encoder.encode(part));
    feed.complete();
    const { ranges, error } = await followed;
    expect(error).toBeUndefined();
    expect(ranges.map(({ start, end }) => [start, end])).toEqual([[0, 13], [13, 41], [41, 44]]);
    expect(ranges.every((range) => range.kind === 'file' && range.path === '/data/uploads/x.txt')).toBe(true);
    // Every line lands in exactly one range, whole.
    expect(ranges.flatMap((range) => linesOf(text, range)).join('')).toBe(text);
    for (const range of ranges.slice(0, -1)) expect(text[range.end - 1]).toBe('\n');
    expect(feed.bytes).toBe(text.length);
  });

  it('yields a range as soon as it is complete, before the upload is', async () => {
    const feed = new UploadFeed('/f.txt', 0, 4);
    const iterator = feed.ranges(new AbortController().signal)[Symbol.asyncIterator]();
    const next = iterator.next();
    feed.wrote(encoder.encode('abcdef'));
    let settled = false;
    void next.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // no newline yet: no line is known to be whole
    feed.wrote(encoder.encode('\ng'));
    expect(await next).toEqual({ done: false, value: expect.objectContaining({ start: 0, end: 7 }) });
    feed.complete();
    expect(await iterator.next()).toEqual({ done: false, value: expect.objectContaining({ start: 7, end: 8 }) });
    expect((await iterator.next()).done).toBe(true);
  });

  it('a line longer than splitBytes stays whole in one range', async () => {
    const feed = new UploadFeed('/f.txt', 0, 2);
    const followed = follow(feed);
    feed.wrote(encoder.encode('one very long line\nx\n'));
    feed.complete();
    expect((await followed).ranges.map(({ start, end }) => [start, end])).toEqual([[0, 21]]);
  });

  it('an empty upload yields no range', async () => {
    const feed = new UploadFeed('/f.txt', 0, 2);
    const followed = follow(feed);
    feed.complete();
    expect(await followed).toEqual({ ranges: [] });
  });

  it('an upload that breaks off fails the follower after the complete ranges, with the reason', async () => {
    const feed = new UploadFeed('/f.txt', 0, 3);
    const followed = follow(feed);
    feed.wrote(encoder.encode('abc\nhalf a li'));
    feed.fail(new Error('the upload broke off after 13 bytes: stream reset'));
    const { ranges, error } = await followed;
    expect(ranges.map(({ start, end }) => [start, end])).toEqual([[0, 4]]);
    expect(error).toEqual(new Error('the upload broke off after 13 bytes: stream reset'));
    expect(feed.stopped).toBeUndefined(); // the upload stopped, not the job
    feed.complete(); // no effect once broken
    expect(() => feed.wrote(encoder.encode('x'))).toThrow('no longer open');
  });

  it('a job that stops following (its abort) is told to the upload, with the reason', async () => {
    const feed = new UploadFeed('/f.txt', 0, 3);
    const abort = new AbortController();
    const followed = follow(feed, abort.signal);
    feed.wrote(encoder.encode('ab\n'));
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort(new Error('job job-1 was cancelled'));
    const { ranges, error } = await followed;
    expect(ranges).toHaveLength(1);
    expect(error).toEqual(new Error('job job-1 was cancelled'));
    expect(feed.stopped).toEqual(new Error('job job-1 was cancelled'));
  });

  it('is followed once', async () => {
    const feed = new UploadFeed('/f.txt', 0, 3);
    void follow(feed);
    await expect(follow(feed)).resolves.toMatchObject({ error: new Error('an upload feed is followed once') });
  });
});
