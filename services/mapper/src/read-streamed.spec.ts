import { create } from '@bufbuild/protobuf';
import { RunMapTaskRequestSchema, type RunMapTaskRequest } from '@weft/proto/cluster';
import { readStreamed } from './mapper-service.js';

/** The rest of a RunMapTask stream: `chunks`, then `end`. */
function rest(chunks: string[]): AsyncIterator<RunMapTaskRequest> {
  const messages = [
    ...chunks.map((text) => create(RunMapTaskRequestSchema, { kind: { case: 'chunk', value: new TextEncoder().encode(text) } })),
    create(RunMapTaskRequestSchema, { kind: { case: 'end', value: true } }),
  ];
  return (async function* () {
    yield* messages;
  })();
}

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('readStreamed', () => {
  const chunks = ['one two\nthr', 'ee\n', '', 'four five\nsix\n'];
  const whole = chunks.join('');

  it.each([
    ['the exact size', whole.length],
    ['no size', 0],
    ['a size too small', 5],
    ['a size too large', whole.length + 100],
    ['a size past what is allocated up front', 2 ** 40],
  ])('joins the chunks in order, given %s', async (_, size) => {
    expect(decode(await readStreamed(rest(chunks), size))).toBe(whole);
  });

  it('fills one buffer of the given size, the chunks copied in as they come', async () => {
    const bytes = await readStreamed(rest(chunks), whole.length);
    expect([bytes.byteOffset, bytes.byteLength, bytes.buffer.byteLength]).toEqual([0, whole.length, whole.length]);
  });

  it('reads an empty input, with or without a size', async () => {
    expect((await readStreamed(rest([]), 0)).byteLength).toBe(0);
    expect((await readStreamed(rest([]), 10)).byteLength).toBe(0);
  });
});
