import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `pff` command of this checkout. */
const PFF = fileURLToPath(new URL('../../../bin/pff.mjs', import.meta.url));

/** One `pff <role>` process of the soak. */
export interface SoakRole {
  /** Its name in the results: scheduler, api, worker-0, … */
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** What it wrote on stderr (the last 64 KiB). */
  log(): string;
  /** SIGTERM, and its exit code (or signal) once it has gone; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Starts `pff <args>` with this process's environment plus `env`, and resolves once
 * its stderr says it is ready (`ready`'s first group: the HTTP port of its probes and
 * metrics); rejects, the process killed, if it exits first or is not ready in time.
 */
export function startSoakRole(name: string, args: readonly string[], env: Record<string, string>, ready: RegExp, timeoutMs = 120_000): Promise<SoakRole> {
  const child = spawn(process.execPath, [PFF, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const gone = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const role = (port: number): SoakRole => ({
    name, port, child,
    log: () => stderr,
    async stop(graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await gone;
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return new Promise<SoakRole>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`pff ${args.join(' ')} ${why}:\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-65_536);
      const port = ready.exec(stderr)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(role(Number(port)));
      }
    });
    void gone.then((code) => fail(`exited (${code}) before it was ready`));
  });
}
