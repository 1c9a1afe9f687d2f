import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage, MessageError, SCHEMA_VERSION, tensorOf, type ActivationBatchHeader } from '../src/index.js';

const header: ActivationBatchHeader = {
  kind: 'batch', runId: 'run-1', attempt: 0, stage: 1, epoch: 2, chapter: 2, index: 7, position: 1.5, recordScores: false,
};
const positive = Float32Array.from({ length: 6 }, (_, i) => i / 3);
const labels = Uint8Array.of(3, 9);
const indices = Int32Array.of(10, 11);
const encode = (): Uint8Array =>
  encodeMessage(header, [
    { name: 'labels', shape: [2], data: labels },
    { name: 'positive', shape: [2, 3], data: positive },
    { name: 'indices', shape: [2], data: indices },
  ]);

function refuses(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeMessage(bytes), (error: unknown) => error instanceof MessageError && pattern.test(error.reason), `expected MessageError matching ${String(pattern)}`);
}

describe('message frames', () => {
  it('round-trip header and tensors bit for bit', () => {
    const decoded = decodeMessage(encode(), ['batch']);
    assert.deepEqual(decoded.message, header, 'header survives');
    assert.deepEqual(Array.from(tensorOf(decoded, 'positive', [2, 3], 'float32')), Array.from(positive), 'floats survive');
    assert.deepEqual(Array.from(tensorOf(decoded, 'labels', [2], 'uint8')), [3, 9], 'uint8 survive');
    assert.deepEqual(Array.from(tensorOf(decoded, 'indices', [2], 'int32')), [10, 11], 'int32 survive');
  });

  it('decodes a frame that starts at an unaligned offset (broker buffers)', () => {
    const bytes = encode();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = decodeMessage(shifted.subarray(3));
    assert.equal(tensorOf(decoded, 'positive', [2, 3], 'float32')[4], positive[4], 'value read from an unaligned buffer');
  });

  it('refuses damaged or foreign frames with a reason', () => {
    const bytes = encode();
    refuses(bytes.subarray(0, 5), /shorter than its preamble/);
    refuses(new TextEncoder().encode('{"kind":"batch"} garbage'), /bad magic/);
    const wrongVersion = bytes.slice();
    new DataView(wrongVersion.buffer).setUint16(4, SCHEMA_VERSION + 1, true);
    refuses(wrongVersion, /schema version 2 is not supported/);
    refuses(bytes.subarray(0, bytes.length - 4), /truncated/);
    const trailing = new Uint8Array(bytes.length + 8);
    trailing.set(bytes);
    refuses(trailing, /bytes after its last tensor/);
    const hugeHeader = bytes.slice();
    new DataView(hugeHeader.buffer).setUint32(6, 0xffffffff, true);
    refuses(hugeHeader, /header length/);
  });

  it('refuses NaN and Infinity in float tensors', () => {
    const bad = encodeMessage(header, [{ name: 'positive', shape: [1, 2], data: Float32Array.of(1, Number.NaN) }]);
    refuses(bad, /positive holds NaN or Infinity/);
  });

  it('validates the header against the schema of its kind', () => {
    refuses(encodeMessage({ ...header, epoch: 0 }), /batch: epoch/);
    refuses(encodeMessage({ ...header, runId: '../etc' }), /batch: runId/);
    refuses(encodeMessage({ ...header, kind: 'nonsense' } as unknown as ActivationBatchHeader), /unknown message kind/);
    assert.throws(() => decodeMessage(encode(), ['trained']), /does not belong on this queue/, 'kind outside the expected ones');
  });

  it('checks tensor shapes and types where they are used', () => {
    const decoded = decodeMessage(encode());
    assert.throws(() => tensorOf(decoded, 'positive', [3, 2], 'float32'), /shape \[2,3\], expected \[3,2\]/, 'wrong shape');
    assert.throws(() => tensorOf(decoded, 'labels', [2], 'float32'), /is uint8, expected float32/, 'wrong dtype');
    assert.throws(() => tensorOf(decoded, 'neutral', [2, 3], 'float32'), /neutral is missing/, 'missing tensor');
  });
});
