import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '@pff/backend';
import {
  CLASSIFIERS,
  DATASETS,
  NEGATIVE_STRATEGIES,
  OBJECTIVES,
  parseRunSpec,
  VARIANTS,
  withDefaultWorkers,
  type EpochRecord,
  type RunSpec,
  type TrainSummary,
} from '@pff/contracts';
import { loadTrainerConfig } from '@pff/config';
import { loadDataset } from '@pff/datasets';
import { saveModel } from '@pff/model-io';
import { trainSequential, type TrainProgress } from '@pff/trainer';
import { trainPipelined } from '@pff/local-cluster';
import { UsageError, type CliIo } from '../io.js';
import { choice, decimal, integer, widths } from '../options.js';
import { createProgressBar } from '../progress-bar.js';

/** Options that are not part of the run spec. */
const PROCESS_OPTIONS = new Set(['dataDir', 'backend', 'json', 'save', 'broker', 'externalWorkers']);

export function addTrainCommand(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train a network end to end and evaluate it on the test set')
    .addOption(choice('--dataset <name>', 'dataset', DATASETS))
    .option('--data-dir <dir>', 'dataset directory (default: bundled MNIST; env PFF_DATA_DIR)')
    .option('--layers <widths>', 'hidden layer widths, comma-separated (default 500,500,500,500)', widths)
    .option('--epochs <n>', 'epochs (default 10)', integer)
    .option('--chapters <n>', 'chapters, dividing the epochs (default: = epochs)', integer)
    .option('--batch <n>', 'batch size (default 64)', integer)
    .addOption(choice('--neg <strategy>', 'negative labels (default random)', NEGATIVE_STRATEGIES))
    .addOption(choice('--adaptive-sampling <how>', 'adaptive negatives: argmax or proportional', ['argmax', 'proportional']))
    .addOption(choice('--classifier <kind>', 'classification (default softmax)', CLASSIFIERS))
    .addOption(choice('--objective <kind>', 'ff, or local-softmax (Performance-Optimized)', OBJECTIVES))
    .addOption(choice('--readout <layers>', 'local-softmax readout: last or all layers', ['last', 'all']))
    .addOption(choice('--variant <name>', 'how the work is spread (default: single-layer on every core)', VARIANTS))
    .option('--workers <n>', 'workers (default: one per core, at most one per layer)', integer)
    .option('--share-every <k>', 'batches between parameter sharing', integer)
    .option('--train-limit <n>', 'use only the first N training samples', integer)
    .option('--seed <s>', 'seed (default 1)', integer)
    .addOption(choice('--norm <kind>', 'layer input normalisation: l2 or rms', ['l2', 'rms']))
    .addOption(choice('--goodness <kind>', 'goodness: sum or mean of squares', ['sum', 'mean']))
    .option('--threshold <theta>', 'goodness threshold', decimal)
    .addOption(choice('--optimizer <kind>', 'adam or sgd (with momentum)', ['adam', 'sgd']))
    .option('--learning-rate <lr>', 'FF layer learning rate', decimal)
    .option('--head-learning-rate <lr>', 'softmax head learning rate', decimal)
    .option('--momentum <m>', 'SGD momentum', decimal)
    .option('--weight-decay <w>', 'L2 weight decay', decimal)
    .option('--peer-normalization <w>', 'peer normalisation weight (0 = off)', decimal)
    .option('--no-cool-down', 'keep the learning rate constant (no linear cool-down)')
    .option('--eval-every <n>', 'also evaluate every N epochs', integer)
    .addOption(choice('--backend <kind>', 'tfjs backend (env PFF_BACKEND)', ['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--broker <url>', 'RabbitMQ URL (env PFF_BROKER_URL); default: the embedded broker')
    .option('--external-workers', 'with --broker: use running "pff worker" processes instead of starting worker threads')
    .option('--save <dir>', 'write the trained model (model.json + weights.bin) here')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (options: Record<string, unknown>, command: Command) => {
      const spec = parseRunSpec(withEveryCore(specInput(options, command), io.cores ?? availableParallelism()));
      await train(spec, options, io);
    });
}

/**
 * One command uses every core: unless the user chose a variant or a worker count, the
 * layers are cut into as many pipeline stages as there are cores (at most one per layer).
 */
export function withEveryCore(input: Record<string, unknown>, cores: number): Record<string, unknown> {
  return withDefaultWorkers(input, cores);
}

/** The run-spec part of the options: only what the user set, so the schema supplies defaults. */
function specInput(options: Record<string, unknown>, command: Command): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (PROCESS_OPTIONS.has(key) || value === undefined) continue;
    if (command.getOptionValueSource(key) === 'default') continue;
    input[key] = value;
  }
  return input;
}

async function train(spec: RunSpec, options: Record<string, unknown>, io: CliIo): Promise<void> {
  const config = loadTrainerConfig(io.env);
  const broker = (options.broker as string | undefined) ?? (config.brokerUrl || undefined);
  if (options.externalWorkers && !broker) throw new UsageError('--external-workers needs a broker (--broker or PFF_BROKER_URL)');
  const backend = await initBackend((options.backend as typeof config.backend | undefined) ?? config.backend);
  const data = loadDataset({
    dataset: spec.dataset,
    dataDir: (options.dataDir as string | undefined) ?? config.dataDir,
    trainLimit: spec.trainLimit,
  });
  const pipelined = spec.variant !== 'sequential' || broker !== undefined;
  const bar = createProgressBar(io.stderr);
  let summary: TrainSummary;
  try {
    io.stderr.write(
      `pff: training ${spec.layers.join('x')} on ${data.train.count} ${spec.dataset} samples, ${spec.epochs} epochs, ` +
        `${spec.neg} negatives, ${spec.objective === 'ff' ? spec.classifier : spec.objective} classifier, backend ${backend.name}, ` +
        `${spec.variant}${pipelined ? ` with ${spec.workers} worker${spec.workers === 1 ? '' : 's'} over ${broker ? 'RabbitMQ' : 'the embedded broker'}` : ''}\n`,
    );
    const listeners = {
      onProgress: (p: TrainProgress) => bar.update(p),
      onChapter: (r: EpochRecord) =>
        bar.log(
          `epoch ${r.epoch}/${spec.epochs} (chapter ${r.chapter}): loss ${r.loss.toFixed(4)}` +
            (r.accuracy === undefined ? '' : `, test accuracy ${(r.accuracy * 100).toFixed(2)}%`) +
            `, ${r.seconds.toFixed(1)} s`,
        ),
    };
    const outcome = pipelined
      ? await trainPipelined({
          spec,
          data,
          cluster: { backend: backend.name as 'tensorflow' | 'wasm' | 'cpu', ...(broker ? { brokerUrl: broker, persistentMessages: config.persistentMessages } : {}) },
          spawnWorkers: !options.externalWorkers,
          log: (line) => bar.log(`pff: ${line}`),
          ...listeners,
        })
      : await trainSequential({ spec, data, ...listeners });
    summary = outcome.summary;
    bar.stop();
    if (typeof options.save === 'string') {
      const dir = resolve(options.save);
      await saveModel(dir, spec, outcome.network, { accuracy: summary.accuracy, trainSeconds: summary.trainSeconds });
      io.stderr.write(`pff: model saved to ${dir}\n`);
    }
    outcome.network.dispose();
  } finally {
    bar.stop();
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    io.stdout.write(
      `accuracy ${(summary.accuracy * 100).toFixed(2)}% on ${summary.testSamples} test samples; ` +
        `trained ${summary.epochs} epochs in ${summary.trainSeconds.toFixed(1)} s ` +
        `(${Math.round(summary.samplesPerSecond)} samples/s)\n`,
    );
  }
}
