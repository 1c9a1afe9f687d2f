import { PassThrough } from 'node:stream';
import type { CliIo } from '@pff/cli';

/** In-memory stdout/stderr for running the CLI in-process. */
export function memoryIo(env: Record<string, string | undefined> = {}): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdout, stderr, env, out: () => out, err: () => err };
}
