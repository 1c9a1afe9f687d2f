import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { initBackend } from '@pff/backend';
import { BENCH_SUITES, runBench, type BenchSuite } from '@pff/bench';
import { loadTrainerConfig } from '@pff/config';
import type { CliIo } from '../io.js';
import { choice, integer } from '../options.js';

function suites(value: string): BenchSuite[] {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(BENCH_SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown suite ${unknown.join(', ')}; choose from ${BENCH_SUITES.join(', ')}`);
  return list as BenchSuite[];
}

export function addBenchCommand(program: Command, io: CliIo): void {
  program
    .command('bench')
    .description('run the benchmark suite; writes JSON under bench/results/ and prints a table')
    .option('--suite <names>', `comma-separated: ${BENCH_SUITES.join(', ')} (default step,epoch; accuracy takes ~30 min)`, suites)
    .option('--out <dir>', 'where the JSON results go', 'bench/results')
    .option('--reps <n>', 'timed repetitions per step measurement', integer, 20)
    .option('--data-dir <dir>', 'MNIST directory (default: bundled; env PFF_DATA_DIR)')
    .addOption(choice('--backend <kind>', 'tfjs backend (env PFF_BACKEND)', ['auto', 'tensorflow', 'wasm', 'cpu']))
    .action(async (options: { suite?: BenchSuite[]; out: string; reps: number; dataDir?: string; backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu' }) => {
      const config = loadTrainerConfig(io.env);
      const backend = await initBackend(options.backend ?? config.backend);
      io.stderr.write(`pff bench: backend ${backend.name} (${backend.reason})\n`);
      const reports = await runBench({
        suites: options.suite ?? ['step', 'epoch'],
        outDir: resolve(options.out),
        dataDir: options.dataDir ?? config.dataDir,
        reps: options.reps,
        log: (line) => io.stderr.write(`${line}\n`),
      });
      for (const report of reports) {
        io.stdout.write(`\n## ${report.suite} — ${report.pass ? 'target met' : 'target NOT met'}\n${report.table}\n(${report.file})\n`);
      }
    });
}
