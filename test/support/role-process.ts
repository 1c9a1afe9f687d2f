import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pff.mjs');

/** A `pff <role>` process, as a Kubernetes container runs it. */
export interface RoleProcess {
  readonly child: ChildProcess;
  /** Everything it wrote on stderr so far. */
  log(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Its HTTP port (probes and metrics; the API for `pff api`). */
  readonly port: number;
}

/**
 * Starts `pff <args>` with `env` added to this process's environment (or, `inherit`
 * false, with only `env`, as a container has) and waits until its stderr shows `ready`
 * (a pattern whose first group is the HTTP port). `bin` runs another install's pff;
 * `uid`/`gid` run it as that user (root only).
 */
export async function startRoleProcess(
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000,
  { inherit = true, bin = BIN, uid, gid }: { inherit?: boolean; bin?: string; uid?: number; gid?: number } = {},
): Promise<RoleProcess> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: inherit ? { ...process.env, ...env } : env,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
  });
  let stderr = '';
  // 'close', not 'exit': by then everything it wrote on stderr has been read.
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pff ${args.join(' ')} not ready within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = ready.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pff ${args.join(' ')} exited (${String(code)}) before it was ready:\n${stderr}`));
    });
  });
  return { child, log: () => stderr, exited, port };
}
