import { MessageError } from './message-error.js';

/**
 * The binary frame every queue message travels in: a fixed preamble, a small JSON
 * header, then raw tensor data (no JSON arrays of numbers):
 *
 *   bytes 0-3   "PFFM"
 *   bytes 4-5   schema version (uint16, little-endian)
 *   bytes 6-9   header length H (uint32, little-endian)
 *   bytes 10..  header, H bytes of UTF-8 JSON: { ..., tensors: [{ name, dtype, shape }] }
 *   then, at offset 8-aligned, each tensor's data in header order, each 8-aligned,
 *   little-endian; the frame ends exactly after the last tensor.
 */
export const FRAME_MAGIC = 'PFFM';
export const SCHEMA_VERSION = 1;
/** Headers are small: spec, ids and counts; anything larger is a tensor. */
export const MAX_HEADER_BYTES = 1 << 20;
const PREAMBLE = 10;

export type Dtype = 'float32' | 'int32' | 'uint8';
export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface TensorDescriptor {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
}

export interface Frame {
  readonly version: number;
  /** The parsed JSON header, not yet validated beyond being an object. */
  readonly header: Record<string, unknown>;
  readonly tensors: ReadonlyMap<string, NamedTensor>;
}

const BYTES: Record<Dtype, number> = { float32: 4, int32: 4, uint8: 1 };

function dtypeOf(data: TensorData): Dtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Encodes a header object and tensors into one frame (a fresh buffer the caller owns). */
export function encodeFrame(header: Record<string, unknown>, tensors: readonly NamedTensor[] = []): Uint8Array {
  const descriptors: TensorDescriptor[] = tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new RangeError(`tensor ${t.name}: shape [${t.shape.join(',')}] holds ${size} values, data has ${t.data.length}`);
    return { name: t.name, dtype: dtypeOf(t.data), shape: [...t.shape] };
  });
  const json = new TextEncoder().encode(JSON.stringify({ ...header, tensors: descriptors }));
  let offset = align8(PREAMBLE + json.length);
  const offsets = tensors.map((t) => {
    const at = offset;
    offset = align8(offset + t.data.byteLength);
    return at;
  });
  const lastEnd = tensors.length === 0 ? PREAMBLE + json.length : offsets[offsets.length - 1]! + tensors[tensors.length - 1]!.data.byteLength;
  const out = new Uint8Array(lastEnd);
  out.set(new TextEncoder().encode(FRAME_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint16(4, SCHEMA_VERSION, true);
  view.setUint32(6, json.length, true);
  out.set(json, PREAMBLE);
  tensors.forEach((t, i) => out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offsets[i]));
  return out;
}

/**
 * Decodes and checks a frame: magic, version, header size, descriptors, and that the
 * tensors fill the frame exactly. Float tensors must be finite. Throws MessageError.
 * The tensors may share memory with `bytes`.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.byteLength === 0) throw new MessageError('empty message (0 bytes, not a PFF frame)');
  if (bytes.byteLength < PREAMBLE) throw new MessageError(`frame of ${bytes.byteLength} bytes is shorter than its preamble (${PREAMBLE} bytes)`);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== FRAME_MAGIC) throw new MessageError('not a PFF frame (bad magic)');
  // Typed views need aligned offsets; a broker's buffer may start anywhere.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  const version = view.getUint16(4, true);
  if (version !== SCHEMA_VERSION) throw new MessageError(`schema version ${version} is not supported (expected ${SCHEMA_VERSION})`);
  const headerLength = view.getUint32(6, true);
  if (headerLength > MAX_HEADER_BYTES || PREAMBLE + headerLength > aligned.byteLength) {
    throw new MessageError(`header length ${headerLength} does not fit a frame of ${aligned.byteLength} bytes`);
  }
  const header = parseHeader(aligned.subarray(PREAMBLE, PREAMBLE + headerLength));
  const descriptors = checkDescriptors(header['tensors']);
  const tensors = new Map<string, NamedTensor>();
  let offset = align8(PREAMBLE + headerLength);
  let end = PREAMBLE + headerLength;
  for (const d of descriptors) {
    const count = d.shape.reduce((a, b) => a * b, 1);
    const byteLength = count * BYTES[d.dtype];
    if (offset + byteLength > aligned.byteLength) {
      // Also a shape far larger than the frame: nothing is allocated for what the header claims.
      throw new MessageError(
        `tensor ${d.name} is truncated: shape [${d.shape.join(',')}] of ${d.dtype} needs ${byteLength} bytes from offset ${offset}, the frame has ${aligned.byteLength}`,
      );
    }
    const at = aligned.byteOffset + offset;
    const data =
      d.dtype === 'float32'
        ? new Float32Array(aligned.buffer, at, count)
        : d.dtype === 'int32'
          ? new Int32Array(aligned.buffer, at, count)
          : new Uint8Array(aligned.buffer, at, count);
    if (data instanceof Float32Array) checkFinite(d.name, data);
    tensors.set(d.name, { name: d.name, shape: d.shape, data });
    end = offset + byteLength;
    offset = align8(end);
  }
  if (end !== aligned.byteLength) {
    const last = descriptors[descriptors.length - 1];
    const after = last ? `its last tensor (${last.name})` : 'its header';
    throw new MessageError(`frame has ${aligned.byteLength - end} bytes after ${after}: more data than the tensors' shapes describe`);
  }
  return { version, header, tensors };
}

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new MessageError('header is not UTF-8 JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MessageError('header is not a JSON object');
  return value as Record<string, unknown>;
}

const MAX_DIMENSION = 1 << 28;

function checkDescriptors(value: unknown): TensorDescriptor[] {
  if (!Array.isArray(value)) throw new MessageError('header.tensors is not an array');
  const seen = new Set<string>();
  return value.map((d: unknown, i) => {
    const where = `header.tensors[${i}]`;
    if (typeof d !== 'object' || d === null) throw new MessageError(`${where} is not an object`);
    const { name, dtype, shape } = d as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new MessageError(`${where}.name is not a name`);
    if (seen.has(name)) throw new MessageError(`tensor ${name} appears twice`);
    seen.add(name);
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'uint8') throw new MessageError(`tensor ${name}: dtype ${String(dtype)} is not float32, int32 or uint8`);
    if (!Array.isArray(shape) || shape.length === 0 || shape.length > 4 || !shape.every((n) => Number.isInteger(n) && n >= 0 && n < MAX_DIMENSION)) {
      throw new MessageError(`tensor ${name}: shape is not 1 to 4 non-negative integers`);
    }
    return { name, dtype, shape: shape as number[] };
  });
}

/** Names the first value that is not finite: NaN, Infinity or -Infinity, and where. */
function checkFinite(name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (!Number.isFinite(value)) throw new MessageError(`tensor ${name} holds NaN or Infinity (${String(value)} at value ${i})`);
  }
}
