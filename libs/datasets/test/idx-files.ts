import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Writes an IDX file of unsigned bytes, the way the MNIST files are written. */
export function idxBytes(dims: number[], data: Uint8Array, magicDims = dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((0x08 << 8) | magicDims, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A small MNIST-format directory: `count` 28x28 images with labels i % 10. */
export function writeTinyMnist(dir: string, count: number, gzip = false): void {
  const images = Uint8Array.from({ length: count * 784 }, (_, i) => i % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const write = (name: string, bytes: Buffer): void =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  for (const prefix of ['train', 't10k']) {
    write(`${prefix}-images-idx3-ubyte`, idxBytes([count, 28, 28], images));
    write(`${prefix}-labels-idx1-ubyte`, idxBytes([count], labels));
  }
}
