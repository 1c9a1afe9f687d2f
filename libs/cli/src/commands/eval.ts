import { resolve } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '@pff/backend';
import { loadTrainerConfig } from '@pff/config';
import { loadDataset } from '@pff/datasets';
import { loadModel } from '@pff/model-io';
import { evaluate } from '@pff/trainer';
import type { CliIo } from '../io.js';
import { choice } from '../options.js';

export function addEvalCommand(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description('evaluate a saved model on the test set of its dataset')
    .requiredOption('--model <dir>', 'directory written by pff train --save')
    .option('--data-dir <dir>', 'dataset directory (default: bundled MNIST; env PFF_DATA_DIR)')
    .addOption(choice('--backend <kind>', 'tfjs backend (env PFF_BACKEND)', ['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--json', 'print one JSON line on stdout')
    .action(async (options: { model: string; dataDir?: string; backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu'; json?: boolean }) => {
      const config = loadTrainerConfig(io.env);
      await initBackend(options.backend ?? config.backend);
      const { spec, network } = loadModel(resolve(options.model));
      try {
        const { test } = loadDataset({ dataset: spec.dataset, dataDir: options.dataDir ?? config.dataDir, trainLimit: 0 });
        const accuracy = evaluate(network, test);
        io.stdout.write(
          options.json
            ? `${JSON.stringify({ accuracy, testSamples: test.count, dataset: spec.dataset })}\n`
            : `accuracy ${(accuracy * 100).toFixed(2)}% on ${test.count} test samples\n`,
        );
      } finally {
        network.dispose();
      }
    });
}
