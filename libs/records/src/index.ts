// Weft's binary run format (like Hadoop's IFile): sorted (key, value) records in one buffer,
// written by map tasks per partition, merged by reduce tasks.
export type { ValueCodec, ValueCodecName } from './value-codec.js';
export { intCodec, bigintCodec, jsonCodec, codecByName } from './codecs.js';
export { RunWriter } from './run-writer.js';
export { RunReader, readRun } from './run-reader.js';
export { openRun, runRecordCount, runByteLength, joinRun } from './run-format.js';
export type { Run } from './run-format.js';
export { mergeRuns, mergeCursors } from './merge-runs.js';
export { KeyGroupMerge } from './key-group-merge.js';
export { RawRunWriter } from './raw-run-writer.js';
export type { RunCursor } from './merge-runs.js';
export { RunFileReader, RUN_FILE_BUFFER_BYTES } from './run-file.js';
export { partitionOf } from './partition-of.js';
// Result records (size-delimited weft.v1.Record, UTF-8 key order): reduce output, stored chunks, ReadResults.
export { ResultWriter, ResultFileWriter, RecordCursor, cutChunks, compareBytes, readResultRecords, KEY_TAG, VALUE_TAG, INT_TAG, JSON_TAG } from './result-records.js';
export type { ResultChunk } from './result-records.js';
export { concatBytes } from './concat-bytes.js';

// For codec implementations only.
export { ByteWriter } from './byte-writer.js';
export { ByteReader } from './byte-reader.js';
// UTF-8 bytes to a string as runs decode keys (for readers of key bytes, like the results commit).
export { decodeUtf8 } from './byte-reader.js';

// Spill dirs of mappers and reducers: named per process, swept when their process died.
export { spillDirName, sweepStaleSpillDirs, processStartToken } from './spill-dir.js';
export type { ProcessProbe } from './spill-dir.js';
