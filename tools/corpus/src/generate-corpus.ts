import { constants } from 'node:buffer';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorpusWriter, MAX_LINE_BYTES } from './corpus-writer.js';

/** What to generate. */
export interface CorpusOptions {
  /** Target size in UTF-8 bytes; the text stops after the line that reaches it (at most one line more). */
  bytes: number;
  /** Seed of the random stream; default 42. The same seed and bytes always give byte-identical text. */
  seed?: number;
}

/** Size and line count of a generated corpus file. */
export interface CorpusFileInfo {
  /** Bytes written (>= options.bytes, by less than one line). */
  bytes: number;
  /** Lines written; every line ends with '\n'. */
  lines: number;
}

/** Default seed when `CorpusOptions.seed` is omitted. */
export const DEFAULT_SEED = 42;

/** Generated files are written in chunks of this size: big enough that each write syscall moves a lot. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Checks options and fills in the default seed.
 * @throws RangeError naming the bad option
 */
export function resolveCorpusOptions(options: CorpusOptions): Required<CorpusOptions> {
  const { bytes, seed = DEFAULT_SEED } = options;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`options.bytes must be a non-negative integer, got ${String(bytes)}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`options.seed must be an integer, got ${String(seed)}`);
  return { bytes, seed };
}

/**
 * Generates the corpus as a string of about `bytes` UTF-8 bytes (at most one line more), ending with
 * '\n' (empty when `bytes` is 0). Deterministic: the same options always give the same string.
 * @throws RangeError when an option is invalid, or when the text could exceed V8's maximum string
 *   length (~512 MB): use `generateCorpusFile` or `generateCorpusChunks` for corpora that large
 */
export function generateCorpusText(options: CorpusOptions): string {
  const { bytes, seed } = resolveCorpusOptions(options);
  if (bytes + MAX_LINE_BYTES > constants.MAX_STRING_LENGTH) {
    throw new RangeError(
      `options.bytes ${bytes} is too large for one string (max ${constants.MAX_STRING_LENGTH - MAX_LINE_BYTES}); use generateCorpusFile`,
    );
  }
  const out = Buffer.allocUnsafe(bytes + MAX_LINE_BYTES);
  const writer = new CorpusWriter(seed);
  let pos = 0;
  while (pos < bytes) pos = writer.writeLine(out, pos);
  return out.toString('utf8', 0, pos);
}

/**
 * Yields the corpus as successive chunks of whole lines. Each chunk is a view into one reused
 * buffer: the consumer must be done with it before asking for the next. The concatenated chunks
 * equal `generateCorpusText(options)` byte for byte.
 */
export function* generateCorpusChunks(
  options: CorpusOptions,
  chunkBytes = CHUNK_BYTES,
): Generator<{ chunk: Uint8Array; lines: number }, void, void> {
  const { bytes, seed } = resolveCorpusOptions(options);
  const buffer = Buffer.allocUnsafe(Math.max(chunkBytes, MAX_LINE_BYTES * 2));
  const writer = new CorpusWriter(seed);
  const fillLimit = buffer.length - MAX_LINE_BYTES;
  let written = 0;
  while (written < bytes) {
    let pos = 0;
    let lines = 0;
    while (pos < fillLimit && written + pos < bytes) {
      pos = writer.writeLine(buffer, pos);
      lines++;
    }
    written += pos;
    yield { chunk: buffer.subarray(0, pos), lines };
  }
}

/**
 * Writes the corpus to `path` (replacing it) and returns its size and line count. The file is
 * written under a temporary name and renamed into place, so a concurrent reader never sees half a
 * corpus.
 * @throws RangeError when an option is invalid; file-system errors as thrown by node:fs
 */
export async function generateCorpusFile(path: string, options: CorpusOptions): Promise<CorpusFileInfo> {
  const resolved = resolveCorpusOptions(options);
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temporary, 'w');
  let bytes = 0;
  let lines = 0;
  try {
    for (const { chunk, lines: chunkLines } of generateCorpusChunks(resolved)) {
      await handle.write(chunk);
      bytes += chunk.length;
      lines += chunkLines;
    }
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  return { bytes, lines };
}

/**
 * Seed of file `index` of a multi-file corpus: file 0 keeps the corpus seed, the others get
 * well-separated seeds so every file has different content.
 */
export function fileSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b9)) >>> 0;
}

/**
 * Splits `bytes` across `files` files in `dir` (created if missing), named `corpus-000.txt`,
 * `corpus-001.txt`, ..., each with different content (see `fileSeed`), and returns their paths in
 * order.
 * @throws RangeError when `files` is not a positive integer or another option is invalid
 */
export async function generateCorpusFiles(dir: string, options: CorpusOptions & { files: number }): Promise<string[]> {
  const { bytes, seed } = resolveCorpusOptions(options);
  const { files } = options;
  if (!Number.isSafeInteger(files) || files < 1) {
    throw new RangeError(`options.files must be a positive integer, got ${String(files)}`);
  }
  await mkdir(dir, { recursive: true });
  const base = Math.floor(bytes / files);
  const paths: string[] = [];
  for (let index = 0; index < files; index++) {
    const path = join(dir, `corpus-${String(index).padStart(3, '0')}.txt`);
    const share = base + (index < bytes % files ? 1 : 0);
    await generateCorpusFile(path, { bytes: share, seed: fileSeed(seed, index) });
    paths.push(path);
  }
  return paths;
}
