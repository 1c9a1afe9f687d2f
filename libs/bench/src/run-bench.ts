import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '@pff/datasets';
import { measureAccuracy } from './accuracy.js';
import { DEFAULT_API_BENCH, measureApi, type ApiBenchOptions } from './api-suite.js';
import { measureEpochTime } from './epoch-time.js';
import { formatTable } from './format-table.js';
import { DEFAULT_PIPELINE_BENCH, type PipelineBenchOptions } from './pipeline-matrix.js';
import { measurePipeline } from './pipeline-suite.js';
import { DEFAULT_SOAK_BENCH, measureSoak, type SoakBenchOptions } from './soak-suite.js';
import { measureStepEfficiency, STEP_SHAPES } from './step-efficiency.js';

export const BENCH_SUITES = ['step', 'epoch', 'accuracy', 'pipeline', 'api', 'soak'] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

export interface BenchOptions {
  readonly suites: readonly BenchSuite[];
  readonly outDir: string;
  readonly dataDir: string;
  readonly reps: number;
  readonly log: (line: string) => void;
  readonly now?: () => Date;
  /** The pipeline suite's settings; defaults: DEFAULT_PIPELINE_BENCH. */
  readonly pipeline?: Partial<PipelineBenchOptions>;
  /** The api suite's settings; defaults: DEFAULT_API_BENCH with this process's tfjs backend. */
  readonly api?: Partial<ApiBenchOptions>;
  /** The soak suite's settings; defaults: DEFAULT_SOAK_BENCH. */
  readonly soak?: Partial<SoakBenchOptions>;
}

export interface BenchReport {
  readonly suite: BenchSuite;
  readonly file: string;
  readonly table: string;
  readonly pass: boolean;
}

/** Runs the chosen suites; each writes `<outDir>/<suite>-<timestamp>.json` and returns a printable table. */
export async function runBench(options: BenchOptions): Promise<BenchReport[]> {
  const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const environment = { backend: tf.getBackend(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version };
  mkdirSync(options.outDir, { recursive: true });
  const reports: BenchReport[] = [];
  const write = (suite: BenchSuite, body: Record<string, unknown>, table: string, pass: boolean): void => {
    const file = join(options.outDir, `${suite}-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify({ suite, date: stamp, environment, pass, ...body }, null, 2)}\n`);
    reports.push({ suite, file, table, pass });
  };
  if (options.suites.includes('step')) {
    options.log('bench step: FF step FLOP rate against plain matMul of the same shapes');
    const rows = [64, 256].flatMap((batch) => STEP_SHAPES.map(([i, o]) => measureStepEfficiency(i, o, batch, options.reps)));
    const pass = rows.every((r) => r.ratio >= 0.8);
    const table = formatTable(
      ['shape', 'batch', 'step ms', 'matMul ms', 'step GFLOP/s', 'matMul GFLOP/s', 'ratio (>= 0.8)'],
      rows.map((r) => [`${r.inputSize}x${r.outputSize}`, r.batch, r.stepMs.toFixed(2), r.matMulMs.toFixed(2), r.stepGflops.toFixed(1), r.matMulGflops.toFixed(1), r.ratio.toFixed(2)]),
    );
    write('step', { target: 'ratio >= 0.8 for every shape', rows }, table, pass);
  }
  const needsData = options.suites.some((s) => s === 'epoch' || s === 'accuracy' || s === 'pipeline');
  const data = needsData ? loadDataset({ dataset: 'mnist', dataDir: options.dataDir, trainLimit: 0 }) : null;
  if (data && options.suites.includes('epoch')) {
    options.log('bench epoch: one epoch of the standard config (MNIST, 4x500, batch 64, Random, Softmax), sequential');
    const result = await measureEpochTime(data);
    const pass = result.secondsPerEpoch <= result.targetSeconds;
    const table = formatTable(
      ['config', 'samples', 's/epoch (<= 20)', 'samples/s', 'accuracy after 1 epoch'],
      [['4x500 b64 random softmax', result.trainSamples, result.secondsPerEpoch.toFixed(1), Math.round(result.samplesPerSecond), (result.accuracyAfterOneEpoch * 100).toFixed(2)]],
    );
    write('epoch', { ...result }, table, pass);
  }
  if (data && options.suites.includes('accuracy')) {
    options.log('bench accuracy: the documented >= 98% run (long)');
    const result = await measureAccuracy(data, options.log);
    const pass = result.accuracy >= result.targetAccuracy && result.trainSeconds <= result.targetSeconds;
    const table = formatTable(
      ['epoch', 'test accuracy %', 'chapter s'],
      result.curve.map((c) => [c.epoch, c.accuracy === undefined ? '-' : (c.accuracy * 100).toFixed(2), c.seconds.toFixed(1)]),
    );
    write('accuracy', { ...result }, `${table}\nfinal ${(result.accuracy * 100).toFixed(2)}% in ${result.trainSeconds.toFixed(0)} s of training`, pass);
  }
  if (data && options.suites.includes('pipeline')) {
    options.log('bench pipeline: pipelined variants against the sequential baselines, broker overhead, accuracy parity, adaptive negatives, scaling model (long)');
    const result = await measurePipeline(data, { ...DEFAULT_PIPELINE_BENCH, ...options.pipeline }, options.log);
    write('pipeline', result.body, result.table, result.pass);
  }
  if (options.suites.includes('api')) {
    options.log('bench api: API latency under concurrent clients, idle and while a run trains');
    const backend = (['tensorflow', 'wasm', 'cpu'] as const).find((b) => b === environment.backend) ?? DEFAULT_API_BENCH.backend;
    const result = await measureApi({ ...DEFAULT_API_BENCH, backend, ...options.api, dataDir: options.dataDir }, options.log);
    write('api', result.body, result.table, result.pass);
  }
  if (options.suites.includes('soak')) {
    const soak = { ...DEFAULT_SOAK_BENCH, ...options.soak, dataDir: options.dataDir };
    options.log(`bench soak: the roles as processes on RabbitMQ, runs back to back for ${soak.minutes} min; memory, tensors and queues sampled (long)`);
    const result = await measureSoak(soak, options.log);
    write('soak', result.body, result.table, result.pass);
  }
  return reports;
}
