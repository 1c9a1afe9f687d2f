import type { ApiConfig } from '@pff/config';
import { serveUntilShutdown } from '@pff/service-kit';
import { createApiService } from './create-api-service.js';

/** The process shell of `pff api`: start, serve until SIGTERM, shut down. */
export async function runApiMain(config: Readonly<ApiConfig>, proc: NodeJS.Process, log: (line: string) => void): Promise<void> {
  const service = createApiService({ config, log });
  await serveUntilShutdown({ start: async (signal) => void (await service.start(signal)), close: () => service.close() }, proc, log);
}
