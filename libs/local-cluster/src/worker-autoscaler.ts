import { decodeMessage, parseRunSpec, RUNS_TOPIC } from '@pff/contracts';
import { planPipeline } from '@pff/scheduler';
import type { LocalCluster } from './local-cluster.js';

/**
 * Adds worker threads as runs need them, as KEDA does in a cluster: on every run
 * announcement, each stage gets at least the replicas the run's plan gives it. Idle
 * workers stay (a thread waiting for batches costs nothing but memory).
 */
export async function autoscaleWorkers(cluster: LocalCluster, log: (line: string) => void): Promise<{ stop(): Promise<void> }> {
  let stopped = false;
  // Announcements repeat every second: scaling steps run one after another, never twice at once.
  let scaling = Promise.resolve();
  const subscription = await cluster.transport.subscribe(RUNS_TOPIC, (m) => {
    try {
      const { message } = decodeMessage(m.body, ['run']);
      if (message.status !== 'running' || stopped) return;
      const { replicas } = planPipeline(parseRunSpec(message.spec), message.inputSize);
      scaling = scaling.then(() => scaleFor(cluster, replicas, log)).catch((e: unknown) => log(`serve: could not add a worker: ${String(e)}`));
    } catch (error) {
      log(`ignored a run announcement: ${(error as Error).message}`);
    }
  });
  return {
    async stop() {
      stopped = true;
      await subscription.cancel().catch(() => undefined);
      await scaling;
    },
  };
}

async function scaleFor(cluster: LocalCluster, replicas: readonly number[], log: (line: string) => void): Promise<void> {
  for (let stage = 0; stage < replicas.length; stage++) {
    const have = cluster.workers.filter((w) => w.stage === stage).length;
    for (let n = have; n < replicas[stage]!; n++) {
      log(`serve: starting a worker for stage ${stage}`);
      await cluster.addWorker(stage);
    }
  }
}
