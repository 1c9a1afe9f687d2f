import { DatasetError } from './dataset-error.js';

export interface IdxArray {
  readonly dims: readonly number[];
  /** The unsigned bytes after the header. */
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Parses an IDX file of unsigned bytes (the MNIST format): two zero bytes, the type
 * code 0x08, the number of dimensions, each dimension as a big-endian uint32, then
 * the data. The size must match exactly: a truncated or padded file is an error.
 */
export function parseIdx(buffer: Buffer, file: string, expectedDims: number): IdxArray {
  if (buffer.length < 4) throw new DatasetError('TRUNCATED', file, `has ${buffer.length} bytes, too few for an IDX header`);
  const magic = buffer.readUInt32BE(0);
  const expectedMagic = (UNSIGNED_BYTE << 8) | expectedDims;
  if (magic !== expectedMagic) {
    throw new DatasetError(
      'BAD_MAGIC',
      file,
      `magic number 0x${magic.toString(16).padStart(8, '0')}, expected 0x${expectedMagic.toString(16).padStart(8, '0')} (IDX unsigned bytes, ${expectedDims} dimensions)`,
    );
  }
  const headerBytes = 4 + 4 * expectedDims;
  if (buffer.length < headerBytes) throw new DatasetError('TRUNCATED', file, 'ends inside its IDX header');
  const dims = Array.from({ length: expectedDims }, (_, i) => buffer.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const actual = buffer.length - headerBytes;
  if (actual < size) {
    throw new DatasetError('TRUNCATED', file, `is truncated: header promises ${size} bytes of data (${dims.join('x')}), found ${actual}`);
  }
  if (actual > size) {
    throw new DatasetError('BAD_FORMAT', file, `has ${actual - size} bytes after the ${dims.join('x')} data`);
  }
  return { dims, data: new Uint8Array(buffer.buffer, buffer.byteOffset + headerBytes, size) };
}
