/**
 * The abort reason of a run a user stopped (POST /runs/:id/stop): unlike a scheduler
 * shutdown, which leaves the run to resume, a stopped run ends KILLED and its queues go.
 */
export class RunStopped extends Error {
  readonly code = 'PFF_RUN_STOPPED';
  constructor(readonly runId: string) {
    super(`run ${runId} was stopped`);
    this.name = 'RunStopped';
  }
}

export function wasStopped(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof RunStopped;
}
