// Worker thread of the node-threads baseline: counts one line-aligned byte range of a file and
// transfers its table's buffers to the main thread (a transfer, not a structured-clone copy).
import { parentPort, workerData } from 'node:worker_threads';
import { ByteCountTable } from './byte-count-table.ts';
import { countWordsInFileRange } from './count-file-range.ts';
import type { RangeCountMessage } from './node-threads.ts';

const { path, start, end } = workerData as { path: string; start: number; end: number };
const table = new ByteCountTable();
const tokens = countWordsInFileRange(table, path, start, end);
const exported = table.export();
const message: RangeCountMessage = { table: exported, tokens };
const { arena, starts, lengths, hashes, counts } = exported;
parentPort!.postMessage(message, [arena, starts, lengths, hashes, counts].map((a) => a.buffer as ArrayBuffer));
