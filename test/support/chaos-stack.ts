// The whole stack as separate `pff` processes (scheduler, API, one worker per stage) on a
// given broker, as Kubernetes runs it, with the means to kill and replace any of them
// and to drive runs over REST through whichever API process is current.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRoleProcess, type RoleProcess } from './role-process.js';

export const CHAOS_TOKEN = 'chaos-token-0123456789abcdef';

export interface ChaosStack {
  scheduler: RoleProcess;
  api: RoleProcess;
  /** The current worker process of each stage (the last one started). */
  readonly workers: RoleProcess[];
  startScheduler(): Promise<RoleProcess>;
  startApi(): Promise<RoleProcess>;
  startWorker(stage: number): Promise<RoleProcess>;
  /** Sends `signal` and resolves with how the process ended. */
  kill(p: RoleProcess, signal: NodeJS.Signals): Promise<number | NodeJS.Signals>;
  /** A REST call through the current API process (rejects while no API listens). */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Every process's stderr, labelled, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startChaosStack(brokerUrl: string, stages: number, env: Record<string, string> = {}): Promise<ChaosStack> {
  const runDir = mkdtempSync(join(tmpdir(), 'pff-chaos-'));
  const common = { PFF_BROKER_URL: brokerUrl, PFF_BACKEND: 'wasm', PFF_PORT: '0', PFF_API_TOKEN: CHAOS_TOKEN, PFF_RUN_DIR: runDir, ...env };
  const all: Array<{ label: string; p: RoleProcess }> = [];
  let replicas = 0;
  const start = async (label: string, args: string[], ready: RegExp): Promise<RoleProcess> => {
    const p = await startRoleProcess(args, common, ready);
    all.push({ label, p });
    return p;
  };
  const stack: ChaosStack = {
    scheduler: undefined as unknown as RoleProcess,
    api: undefined as unknown as RoleProcess,
    workers: [],
    async startScheduler() {
      return (stack.scheduler = await start('scheduler', ['scheduler'], /scheduler ready; probes on :(\d+)/));
    },
    async startApi() {
      return (stack.api = await start('api', ['api'], /listening on :(\d+)/));
    },
    async startWorker(stage) {
      const replica = `chaos-${stage}-${++replicas}`;
      const p = await start(replica, ['worker', '--stage', String(stage), '--replica', replica], /ready; probes on :(\d+)/);
      stack.workers[stage] = p;
      return p;
    },
    async kill(p, signal) {
      p.child.kill(signal);
      return p.exited;
    },
    async call(method, path, body) {
      const response = await fetch(`http://127.0.0.1:${stack.api.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${CHAOS_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    logs() {
      return all.map(({ label, p }) => `--- ${label}\n${p.log().split('\n').slice(-30).join('\n')}`).join('\n');
    },
    async stop() {
      for (const { p } of all) p.child.kill('SIGTERM');
      await Promise.all(all.map(({ p }) => Promise.race([p.exited, new Promise((resolve) => setTimeout(resolve, 30_000))])));
      for (const { p } of all) p.child.kill('SIGKILL');
      rmSync(runDir, { recursive: true, force: true });
    },
  };
  await stack.startScheduler();
  await stack.startApi();
  for (let stage = 0; stage < stages; stage++) await stack.startWorker(stage);
  return stack;
}
