/**
 * Queue and topic names. Every name carries the run, so runs never share a queue;
 * stage queues carry the stage (and, federated, the shard).
 */
export const RUNS_TOPIC = 'pff.runs';
/** Where run requests wait for the scheduler service. */
export const RUN_REQUESTS_QUEUE = 'pff.scheduler.requests';

export function stageQueue(runId: string, stage: number, shard?: number): string {
  return shard === undefined ? `pff.${runId}.stage.${stage}` : `pff.${runId}.stage.${stage}.shard.${shard}`;
}

/** Where workers report to the scheduler. */
export function eventsQueue(runId: string): string {
  return `pff.${runId}.events`;
}

/** Broadcasts between the scheduler and one stage's replicas (sharing, claims). */
export function stageTopic(runId: string, stage: number): string {
  return `pff.${runId}.stage.${stage}.bus`;
}

/** The identity duplicates are detected by. */
export function batchKey(epoch: number, index: number): string {
  return `${epoch}:${index}`;
}
