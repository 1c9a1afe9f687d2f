import { BROKER_URL } from './pipeline-helpers.js';
import { startRoleProcess, type RoleProcess } from './support/role-process.js';

/** A `pff worker` process, as a Kubernetes container runs it. */
export interface WorkerProcess extends RoleProcess {
  readonly replica: string;
}

/** Starts `pff worker --stage K` against this machine's RabbitMQ and waits until it is ready. */
export async function startWorkerProcess(stage: number, replica: string): Promise<WorkerProcess> {
  const process = await startRoleProcess(
    ['worker', '--stage', String(stage), '--port', '0', '--replica', replica],
    { PFF_BROKER_URL: BROKER_URL, PFF_BACKEND: 'wasm' },
    /ready; probes on :(\d+)/,
  );
  return { ...process, replica };
}
