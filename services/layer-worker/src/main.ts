import type { WorkerConfig } from '@pff/config';
import { serveUntilShutdown } from '@pff/service-kit';
import { createWorkerService } from './create-worker-service.js';

/** The process shell of `pff worker`: start, serve until SIGTERM, shut down gracefully. */
export async function runWorkerMain(config: WorkerConfig, proc: NodeJS.Process, log: (line: string) => void): Promise<void> {
  const service = createWorkerService(config, log);
  await serveUntilShutdown({
    start: async (signal) => {
      const port = await service.start(signal);
      log(`layer-worker for stage ${config.stage} ready; probes on :${port}`);
    },
    close: () => service.close(),
  }, proc, log);
}
