import type { SchedulerConfig } from '@pff/config';
import { serveUntilShutdown } from '@pff/service-kit';
import { createSchedulerService } from './create-scheduler-service.js';

/** The process shell of `pff scheduler`: start, serve until SIGTERM, shut down. */
export async function runSchedulerMain(config: SchedulerConfig, proc: NodeJS.Process, log: (line: string) => void): Promise<void> {
  const service = createSchedulerService({ config, log });
  await serveUntilShutdown({
    start: async (signal) => {
      const port = await service.start(signal);
      log(`scheduler ready; probes on :${port}`);
    },
    close: () => service.close(),
  }, proc, log);
}
