import type { SchedulerConfig } from '@pff/config';
import { onShutdownSignal } from '@pff/service-kit';
import { createSchedulerService } from './create-scheduler-service.js';

/** The process shell of `pff scheduler`: start, serve until SIGTERM, shut down. */
export async function runSchedulerMain(config: SchedulerConfig, proc: NodeJS.Process, log: (line: string) => void): Promise<void> {
  const service = createSchedulerService({ config, log });
  const signal = onShutdownSignal(proc, log);
  try {
    const port = await service.start();
    log(`scheduler ready; probes on :${port}`);
    await signal;
  } finally {
    await service.close();
  }
}
