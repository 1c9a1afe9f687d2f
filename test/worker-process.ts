import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BROKER_URL } from './pipeline-helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'pff.mjs');

/** A `pff worker` process, as a Kubernetes container runs it. */
export interface WorkerProcess {
  readonly replica: string;
  readonly child: ChildProcess;
  /** Everything it wrote on stderr so far. */
  log(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Where its probes answer. */
  readonly port: number;
}

/** Starts `pff worker --stage K` against this machine's RabbitMQ and waits until it is ready. */
export async function startWorkerProcess(stage: number, replica: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--stage', String(stage), '--port', '0', '--replica', replica], {
    env: { ...process.env, PFF_BROKER_URL: BROKER_URL, PFF_BACKEND: 'wasm' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${replica} not ready within 60 s:\n${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('ready; probes on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${replica} exited (${String(code)}) before it was ready:\n${stderr}`));
    });
  });
  const port = Number(/probes on :(\d+)/.exec(stderr)?.[1]);
  return { replica, child, log: () => stderr, exited, port };
}
