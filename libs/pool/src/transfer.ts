import { isMarkedAsUntransferable } from 'node:worker_threads';
import type { Run } from '@weft/records';

/**
 * Prepares views to be moved to another thread: returns the views to send (some copied) and the
 * ArrayBuffers to transfer. A view is sent as is, its buffer transferred, only when it owns that
 * whole buffer; a view into a larger buffer (e.g. a protobuf `bytes` field inside a network chunk,
 * or Node's pooled Buffer slab, which cannot be transferred) is copied, because transferring would
 * detach memory the caller still uses. With `wholeBuffers` the caller declares that it gives up
 * every view's whole ArrayBuffer: a view into part of one is then sent as is too (it arrives with
 * its offset and length), unless the buffer cannot be transferred or is shared with another view.
 * `seen`: buffers already in the same message's transfer list (each may be listed once).
 * @internal
 */
export function prepareTransfer(views: Uint8Array[], wholeBuffers = false, seen = new Set<ArrayBufferLike>()): { views: Uint8Array[]; transferList: ArrayBuffer[] } {
  const transferList: ArrayBuffer[] = [];
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

/**
 * {@link prepareTransfer} for runs: a run in one buffer as a view there; a run in pieces (see
 * `Run`) piece by piece, each with its whole ArrayBuffer (the caller gives those up: each piece is
 * the only view into its buffer, like a network message's `bytes` field), so pieces move without
 * a copy; a piece whose buffer cannot be transferred or is shared with another piece is copied.
 * @internal
 */
export function prepareRunsTransfer(runs: readonly Run[]): { runs: Run[]; transferList: ArrayBuffer[] } {
  const transferList: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>(); // a buffer is transferred once, whatever views it
  const out = runs.map((run): Run => {
    const prepared = run instanceof Uint8Array ? prepareTransfer([run], false, seen) : prepareTransfer([...run], true, seen);
    transferList.push(...prepared.transferList);
    return run instanceof Uint8Array ? prepared.views[0]! : prepared.views;
  });
  return { runs: out, transferList };
}
