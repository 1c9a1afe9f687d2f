/** Cutting a body into parts and joining them again; the cutting copies nothing. */

/** Views of at most `maxBytes` each over `body`, in order. */
export function partsOf(body: Uint8Array, maxBytes: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < body.byteLength; offset += maxBytes) parts.push(body.subarray(offset, offset + maxBytes));
  return parts;
}

/** One fresh body of `bytes` bytes from `parts` in order (their lengths must add up to `bytes`). */
export function joined(parts: Iterable<Uint8Array>, bytes: number): Uint8Array {
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}
