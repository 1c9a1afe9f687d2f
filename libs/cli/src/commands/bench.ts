import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { initBackend } from '@pff/backend';
import { BENCH_SUITES, DEFAULT_API_BENCH, DEFAULT_PIPELINE_BENCH, runBench, type BenchSuite, type PipelineBenchOptions } from '@pff/bench';
import { loadTrainerConfig } from '@pff/config';
import type { CliIo } from '../io.js';
import { choice, integer } from '../options.js';

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
}

export function addBenchCommand(program: Command, io: CliIo): void {
  const d = DEFAULT_PIPELINE_BENCH;
  program
    .command('bench')
    .description('run the benchmark suite; writes JSON under bench/results/ and prints a table')
    .option('--suite <names>', `comma-separated: ${BENCH_SUITES.join(', ')} (default step,epoch; accuracy takes ~30 min, pipeline ~15, api ~2)`, suites)
    .option('--out <dir>', 'where the JSON results go', 'bench/results')
    .option('--reps <n>', 'timed repetitions per step measurement', integer, 20)
    .option('--data-dir <dir>', 'MNIST directory (default: bundled; env PFF_DATA_DIR)')
    .addOption(choice('--backend <kind>', 'tfjs backend (env PFF_BACKEND)', ['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--epochs <n>', 'pipeline suite: epochs of the speed runs', positive, d.epochs)
    .option('--accuracy-epochs <n>', 'pipeline suite: epochs of the accuracy-parity runs', positive, d.accuracyEpochs)
    .option('--share-every <k>', 'pipeline suite: sharing cadence of all-layers and federated in the parity runs', integer, d.shareEvery)
    .option('--train-limit <n>', 'pipeline suite: first N training samples (0 = all)', integer, d.trainLimit)
    .option('--seed <s>', 'pipeline suite: seed of every run', integer, d.seed)
    .option('--broker <url>', `pipeline suite: RabbitMQ URL (default: env PFF_BROKER_URL, else ${d.brokerUrl}); api suite: the broker of the stack (default: embedded)`)
    .option('--api-seconds <n>', 'api suite: seconds of load per route', positive, DEFAULT_API_BENCH.seconds)
    .option('--api-connections <n>', 'api suite: concurrent clients', positive, DEFAULT_API_BENCH.connections)
    .option('--api-read-cache-ms <n>', 'api suite: the API\'s read cache (0 = off)', integer, DEFAULT_API_BENCH.readCacheMs)
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
      });
      for (const report of reports) {
        io.stdout.write(`\n## ${report.suite} — ${report.pass ? 'target met' : 'target NOT met'}\n${report.table}\n(${report.file})\n`);
      }
    });
}
