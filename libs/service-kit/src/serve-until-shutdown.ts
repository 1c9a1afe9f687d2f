import { onShutdownSignal } from './signals.js';

export interface StoppableService {
  /** Starts; `signal` aborts when a shutdown is asked for before start-up is done (e.g. while waiting for the broker). */
  start(signal: AbortSignal): Promise<void>;
  /** Idempotent; safe after a start that failed or was aborted. */
  close(): Promise<void>;
}

/**
 * The process shell of a role: start, serve until SIGTERM or SIGINT, close. A signal
 * during start-up stops it there (a pod deleted while it waits for RabbitMQ exits at
 * once, 0, instead of running out its grace period); any other start-up failure throws.
 */
export async function serveUntilShutdown(service: StoppableService, proc: NodeJS.Process, log: (line: string) => void): Promise<void> {
  const abort = new AbortController();
  const signal = onShutdownSignal(proc, log);
  void signal.then((name) => abort.abort(new Error(`${name} before start-up finished`)));
  try {
    await service.start(abort.signal);
    await signal;
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    log('stopped before it was ready');
  } finally {
    await service.close();
  }
}
