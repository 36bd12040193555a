import { streamChunkBytes } from '@weft/rpc';

/**
 * Largest result chunk, in record bytes, unless one record alone is larger: the streams' chunk
 * size (1 MiB less 64 bytes), since a chunk (or a ReadResults batch of this size) travels as one
 * `bytes` field. Just under 1 MiB, protobuf-es encodes each response in a 1 MiB buffer, not 2, in
 * the coordinator and again in the gateway: reading a 256 MB word count's results took ~25 ms
 * less (188-195 vs 215-223 ms medians, two interleaved runs of 8 jobs). Chunks themselves are
 * result records (`@weft/records` ResultWriter, cutChunks), as reducers write them.
 */
export const defaultChunkBytes = streamChunkBytes;
