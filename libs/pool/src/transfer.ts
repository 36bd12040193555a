import { isMarkedAsUntransferable } from 'node:worker_threads';

/**
 * Prepares views to be moved to another thread: returns the views to send (some copied) and the
 * ArrayBuffers to transfer. A view is sent as is, its buffer transferred, only when it owns that
 * whole buffer; a view into a larger buffer (e.g. a protobuf `bytes` field inside a network chunk,
 * or Node's pooled Buffer slab, which cannot be transferred) is copied, because transferring would
 * detach memory the caller still uses. With `wholeBuffers` the caller declares that it gives up
 * every view's whole ArrayBuffer: a view into part of one is then sent as is too (it arrives with
 * its offset and length), unless the buffer cannot be transferred or is shared with another view.
 * @internal
 */
export function prepareTransfer(views: Uint8Array[], wholeBuffers = false): { views: Uint8Array[]; transferList: ArrayBuffer[] } {
  const transferList: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  const out = views.map((view) => {
    const buffer = view.buffer;
    const owned = buffer instanceof ArrayBuffer && (wholeBuffers || (view.byteOffset === 0 && view.byteLength === buffer.byteLength))
      && !seen.has(buffer) && !isMarkedAsUntransferable(buffer);
    if (!owned) {
      // new Uint8Array(view) always copies; view.slice() does not when `view` is a Node Buffer
      // (Buffer#slice is subarray), and grpc-js hands protobuf bytes over as Buffers.
      const copy = new Uint8Array(view);
      transferList.push(copy.buffer);
      return copy;
    }
    seen.add(buffer);
    transferList.push(buffer);
    return view;
  });
  return { views: out, transferList };
}
