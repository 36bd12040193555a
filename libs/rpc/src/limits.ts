/**
 * Largest single message any Weft server or client sends or accepts, in bytes (64 MiB). grpc-js
 * defaults to 4 MiB; Connect to 4 GiB. One value on both stacks keeps their limits consistent.
 * Bulk data moves as streams of ~1 MiB chunks, well below it.
 */
export const maxMessageBytes = 64 * 1024 * 1024;

/**
 * Size of the chunks bulk data is cut into on streams, in bytes: 1 MiB less 64 bytes. A chunk
 * travels as one `bytes` field, and protobuf-es grows its write buffer by doubling: at exactly
 * 1 MiB, the field's tag and length and the message's other fields pushed every message to a
 * 2 MiB buffer (reduce output chunks, inline map input, and the coordinator's result chunks, which
 * use this size too: reading a 256 MB word count's results took ~25 ms less just under 1 MiB).
 */
export const streamChunkBytes = 1024 * 1024 - 64;
