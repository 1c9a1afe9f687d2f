/** Message bodies for the conformance tests, and comparisons that print briefly. */
import { createHash } from 'node:crypto';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function text(value: string): Uint8Array {
  return encoder.encode(value);
}

export function textOf(body: Uint8Array): string {
  return decoder.decode(body);
}

/** Every byte value, so a transport that mangles binary (as text, say) shows it. */
export function everyByte(): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, i) => i);
}

/** `size` bytes of a repeatable pattern, handed over as a view into a larger buffer. */
export function patterned(size: number): Uint8Array {
  const backing = new Uint8Array(size + 16);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 31 + 7) & 0xff;
  return backing.subarray(8, 8 + size);
}

/** A short fingerprint, so comparing megabytes fails with a readable message. */
export function digest(body: Uint8Array): string {
  return `${body.byteLength} bytes sha256 ${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}
