/**
 * Queue and topic names. Every name carries the run, so runs never share a queue;
 * stage queues carry the stage (and, federated, the shard).
 */
export const RUNS_TOPIC = 'pff.runs';
/** Where run requests wait for the scheduler service. */
export const RUN_REQUESTS_QUEUE = 'pff.scheduler.requests';

/** Where the API's control requests wait for the scheduler. */
export const CONTROL_QUEUE = 'pff.scheduler.control';
/** Where the scheduler answers control requests (every API instance listens; each keeps its own). */
export const CONTROL_REPLIES_TOPIC = 'pff.scheduler.replies';

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

/** The epoch of a batch identity made by batchKey. */
export function epochOfKey(key: string): number {
  return Number(key.slice(0, key.indexOf(':')));
}
