import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { initBackend } from '@pff/backend';
import { BENCH_SUITES, DEFAULT_API_BENCH, DEFAULT_PIPELINE_BENCH, DEFAULT_SOAK_BENCH, runBench, type BenchSuite, type PipelineBenchOptions } from '@pff/bench';
import { loadTrainerConfig } from '@pff/config';
import type { CliIo } from '../io.js';
import { choice, decimal, integer } from '../options.js';

function suites(value: string): BenchSuite[] {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(BENCH_SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown suite ${unknown.join(', ')}; choose from ${BENCH_SUITES.join(', ')}`);
  return list as BenchSuite[];
}

function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function positiveDecimal(value: string): number {
  const n = decimal(value);
  if (n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number`);
  return n;
}

interface BenchCliOptions {
  suite?: BenchSuite[];
  out: string;
  reps: number;
  dataDir?: string;
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  epochs: number;
  accuracyEpochs: number;
  shareEvery: number;
  trainLimit: number;
  seed: number;
  broker?: string;
  apiSeconds: number;
  apiConnections: number;
  apiReadCacheMs: number;
  soakMinutes: number;
  soakWarmupMinutes: number;
  soakSampleSeconds: number;
  soakHeapSlope: number;
  soakQueues: 'prometheus' | 'rabbitmqctl';
}

export function addBenchCommand(program: Command, io: CliIo): void {
  const d = DEFAULT_PIPELINE_BENCH;
  program
    .command('bench')
    .description('run the benchmark suite; writes JSON under bench/results/ and prints a table')
    .option('--suite <names>', `comma-separated: ${BENCH_SUITES.join(', ')} (default step,epoch; accuracy takes ~30 min, pipeline ~15, api ~2, soak --soak-minutes + 1)`, suites)
    .option('--out <dir>', 'where the JSON results go', 'bench/results')
    .option('--reps <n>', 'timed repetitions per step measurement', integer, 20)
    .option('--data-dir <dir>', 'MNIST directory (default: bundled; env PFF_DATA_DIR)')
    .addOption(choice('--backend <kind>', 'tfjs backend (env PFF_BACKEND)', ['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--epochs <n>', 'pipeline suite: epochs of the speed runs', positive, d.epochs)
    .option('--accuracy-epochs <n>', 'pipeline suite: epochs of the accuracy-parity runs', positive, d.accuracyEpochs)
    .option('--share-every <k>', 'pipeline suite: sharing cadence of all-layers and federated in the parity runs', integer, d.shareEvery)
    .option('--train-limit <n>', 'pipeline suite: first N training samples (0 = all)', integer, d.trainLimit)
    .option('--seed <s>', 'pipeline suite: seed of every run', integer, d.seed)
    .option('--broker <url>', `pipeline suite: RabbitMQ URL (default: env PFF_BROKER_URL, else ${d.brokerUrl}); api suite: the broker of the stack (default: embedded); soak suite: the broker of its processes (default as the pipeline suite's)`)
    .option('--api-seconds <n>', 'api suite: seconds of load per route', positive, DEFAULT_API_BENCH.seconds)
    .option('--api-connections <n>', 'api suite: concurrent clients', positive, DEFAULT_API_BENCH.connections)
    .option('--api-read-cache-ms <n>', 'api suite: the API\'s read cache (0 = off)', integer, DEFAULT_API_BENCH.readCacheMs)
    .option('--soak-minutes <n>', 'soak suite: minutes of runs back to back (the last one finishes)', positiveDecimal, DEFAULT_SOAK_BENCH.minutes)
    .option('--soak-warmup-minutes <n>', 'soak suite: minutes before slopes and tensor counts are compared', decimal, DEFAULT_SOAK_BENCH.warmupMinutes)
    .option('--soak-sample-seconds <n>', 'soak suite: seconds between samples', positiveDecimal, DEFAULT_SOAK_BENCH.sampleSeconds)
    .addOption(choice('--soak-queues <source>', 'soak suite: queue depths from RabbitMQ\'s per-queue metrics (port 15692, refreshed every 5 s) or rabbitmqctl (exact)', ['prometheus', 'rabbitmqctl']).default(DEFAULT_SOAK_BENCH.queueSource))
    .option('--soak-heap-slope <mib>', 'soak suite: most V8 heap growth per minute (MiB) a process may show after the warm-up', positiveDecimal, DEFAULT_SOAK_BENCH.heapSlopeMiBPerMinute)
    .action(async (options: BenchCliOptions) => {
      const config = loadTrainerConfig(io.env);
      const backend = await initBackend(options.backend ?? config.backend);
      io.stderr.write(`pff bench: backend ${backend.name} (${backend.reason})\n`);
      const pipeline: Partial<PipelineBenchOptions> = {
        epochs: options.epochs,
        accuracyEpochs: options.accuracyEpochs,
        shareEvery: options.shareEvery,
        trainLimit: options.trainLimit,
        seed: options.seed,
        brokerUrl: options.broker ?? (config.brokerUrl || d.brokerUrl),
        backend: backend.name as PipelineBenchOptions['backend'],
      };
      const reports = await runBench({
        suites: options.suite ?? ['step', 'epoch'],
        outDir: resolve(options.out),
        dataDir: options.dataDir ?? config.dataDir,
        reps: options.reps,
        log: (line) => io.stderr.write(`${line}\n`),
        pipeline,
        api: {
          seconds: options.apiSeconds, connections: options.apiConnections, readCacheMs: options.apiReadCacheMs,
          brokerUrl: options.broker ?? config.brokerUrl, backend: backend.name as PipelineBenchOptions['backend'],
        },
        soak: {
          minutes: options.soakMinutes, warmupMinutes: options.soakWarmupMinutes, sampleSeconds: options.soakSampleSeconds, heapSlopeMiBPerMinute: options.soakHeapSlope, queueSource: options.soakQueues,
          brokerUrl: options.broker ?? (config.brokerUrl || DEFAULT_SOAK_BENCH.brokerUrl), backend: backend.name as PipelineBenchOptions['backend'],
        },
      });
      for (const report of reports) {
        io.stdout.write(`\n## ${report.suite} — ${report.pass ? 'target met' : 'target NOT met'}\n${report.table}\n(${report.file})\n`);
      }
    });
}
