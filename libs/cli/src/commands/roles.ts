import type { Command } from 'commander';
import { runApiMain } from '@pff/api';
import { loadApiConfig, loadSchedulerConfig, loadServeConfig, loadWorkerConfig } from '@pff/config';
import { startLocalStack } from '@pff/local-cluster';
import { serveUntilShutdown } from '@pff/service-kit';
import { runWorkerMain } from '@pff/layer-worker';
import { runSchedulerMain } from '@pff/scheduler';
import { UsageError, type CliIo } from '../io.js';
import { integer } from '../options.js';

type Env = Record<string, string | undefined>;

/** Flags win over the environment: they are written into it before the config is validated. */
function withFlags(env: CliIo['env'], flags: Record<string, string | number | undefined>): Env {
  const out: Env = { ...env };
  for (const [name, value] of Object.entries(flags)) if (value !== undefined) out[name] = String(value);
  return out;
}

function processOf(io: CliIo): NodeJS.Process {
  if (!io.proc) throw new UsageError('this role runs only as a process (bin/pff.mjs)');
  return io.proc;
}

/** `pff worker`, `pff scheduler`, `pff api`: one role each, as the Kubernetes containers run them; `pff serve`: all of them. */
export function addRoleCommands(program: Command, io: CliIo): void {
  const log = (line: string): void => void io.stderr.write(`${new Date().toISOString()} ${line}\n`);
  program
    .command('worker')
    .description('a layer-worker: trains stage K of every run announced on the broker (PFF_BROKER_URL)')
    .option('--stage <k>', 'pipeline stage (env PFF_STAGE; default 0)', integer)
    .option('--broker <url>', 'RabbitMQ URL (env PFF_BROKER_URL)')
    .option('--replica <name>', 'replica name (env PFF_REPLICA; default host name and pid)')
    .option('--port <port>', 'probe port (env PFF_PORT; default 8080)', integer)
    .option('--prefetch <n>', 'batches held at once (env PFF_PREFETCH; default 2)', integer)
    .option('--backend <kind>', 'tfjs backend (env PFF_BACKEND)')
    .action(async (o: { stage?: number; broker?: string; replica?: string; port?: number; prefetch?: number; backend?: string }) => {
      const config = loadWorkerConfig(
        withFlags(io.env, { PFF_STAGE: o.stage, PFF_BROKER_URL: o.broker, PFF_REPLICA: o.replica, PFF_PORT: o.port, PFF_PREFETCH: o.prefetch, PFF_BACKEND: o.backend }),
      );
      await runWorkerMain(config, processOf(io), log);
    });
  program
    .command('scheduler')
    .description('the scheduler: takes run requests from the broker, drives and stores runs, resumes them after a restart')
    .option('--broker <url>', 'RabbitMQ URL (env PFF_BROKER_URL)')
    .option('--run-dir <dir>', 'run store directory (env PFF_RUN_DIR; default runs)')
    .option('--data-dir <dir>', 'dataset directory (env PFF_DATA_DIR)')
    .option('--port <port>', 'probe port (env PFF_PORT; default 8080)', integer)
    .option('--max-runs <n>', 'runs trained at once (env PFF_MAX_RUNS; default 2)', integer)
    .option('--backend <kind>', 'tfjs backend (env PFF_BACKEND)')
    .action(async (o: { broker?: string; runDir?: string; dataDir?: string; port?: number; maxRuns?: number; backend?: string }) => {
      const config = loadSchedulerConfig(
        withFlags(io.env, {
          PFF_BROKER_URL: o.broker, PFF_RUN_DIR: o.runDir, PFF_DATA_DIR: o.dataDir, PFF_PORT: o.port, PFF_MAX_RUNS: o.maxRuns, PFF_BACKEND: o.backend,
        }),
      );
      await runSchedulerMain(config, processOf(io), log);
    });
  program
    .command('api')
    .description('the experiments API (REST, OpenAPI UI at /docs); reaches the scheduler through the broker')
    .option('--broker <url>', 'RabbitMQ URL (env PFF_BROKER_URL)')
    .option('--port <port>', 'HTTP port (env PFF_PORT; default 8080)', integer)
    .option('--backend <kind>', 'tfjs backend for predictions (env PFF_BACKEND)')
    .action(async (o: { broker?: string; port?: number; backend?: string }) => {
      const config = loadApiConfig(withFlags(io.env, { PFF_BROKER_URL: o.broker, PFF_PORT: o.port, PFF_BACKEND: o.backend }));
      await runApiMain(config, processOf(io), log);
    });
  program
    .command('serve')
    .description('the whole stack on this machine: API, scheduler and layer-workers (threads, added as runs need them)')
    .option('--broker <url>', 'RabbitMQ URL (env PFF_BROKER_URL; default: the embedded broker)')
    .option('--port <port>', 'API port (env PFF_PORT; default 8080)', integer)
    .option('--host <host>', 'API listen address (default 127.0.0.1)')
    .option('--run-dir <dir>', 'run store directory (env PFF_RUN_DIR; default runs)')
    .option('--data-dir <dir>', 'dataset directory (env PFF_DATA_DIR)')
    .option('--max-runs <n>', 'runs trained at once (env PFF_MAX_RUNS; default 2)', integer)
    .option('--backend <kind>', 'tfjs backend (env PFF_BACKEND)')
    .action(async (o: { broker?: string; port?: number; host?: string; runDir?: string; dataDir?: string; maxRuns?: number; backend?: string }) => {
      const config = loadServeConfig(
        withFlags(io.env, {
          PFF_BROKER_URL: o.broker, PFF_PORT: o.port, PFF_RUN_DIR: o.runDir, PFF_DATA_DIR: o.dataDir, PFF_MAX_RUNS: o.maxRuns, PFF_BACKEND: o.backend,
        }),
      );
      let stack: Awaited<ReturnType<typeof startLocalStack>> | null = null;
      await serveUntilShutdown({
        start: async () => {
          stack = await startLocalStack({ config, log, ...(o.host ? { host: o.host } : {}) });
          const base = `http://${o.host ?? '127.0.0.1'}:${stack.port}`;
          io.stdout.write(`PFF is serving at ${base} (OpenAPI UI: ${base}/docs)\n`);
          if (!config.apiToken) io.stdout.write(`API token (set PFF_API_TOKEN to choose one): ${stack.apiToken}\n`);
        },
        close: async () => stack?.close(),
      }, processOf(io), log);
    });
}
