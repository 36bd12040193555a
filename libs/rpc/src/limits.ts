/**
 * Largest single message any Weft server or client sends or accepts, in bytes (64 MiB). grpc-js
 * defaults to 4 MiB; Connect to 4 GiB. One value on both stacks keeps their limits consistent.
 * Bulk data moves as streams of ~1 MiB chunks, well below it.
 */
export const maxMessageBytes = 64 * 1024 * 1024;

/** Size of the chunks bulk data is cut into on streams, in bytes (1 MiB). */
export const streamChunkBytes = 1024 * 1024;
