import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './dataset-error.js';

/** Reads a file, gunzipping it when it starts with the gzip magic bytes. */
export function readMaybeGzipped(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new DatasetError('MISSING_FILE', path, 'cannot be read', { cause: err });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (err) {
      throw new DatasetError('TRUNCATED', path, `is not a complete gzip stream (${(err as Error).message})`, {
        cause: err,
      });
    }
  }
  return raw;
}
