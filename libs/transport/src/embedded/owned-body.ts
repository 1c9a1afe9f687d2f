/**
 * Whether the transport may keep (and, across threads, transfer) `body` without copying:
 * it must be the whole of an ordinary ArrayBuffer. A view into a larger buffer (a Node
 * Buffer from the pool, a subarray) or onto a SharedArrayBuffer is not the caller's alone.
 */
export function isExclusive(body: Uint8Array): boolean {
  return body.buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
}

/**
 * The body the broker stores: `body` itself when the caller hands it over (`take`) and it
 * is exclusive, otherwise a copy in a fresh buffer of exactly its size. `new Uint8Array`
 * copies (Buffer#slice would not).
 */
export function ownedBody(body: Uint8Array, take: boolean): Uint8Array {
  return take && isExclusive(body) ? body : new Uint8Array(body);
}
