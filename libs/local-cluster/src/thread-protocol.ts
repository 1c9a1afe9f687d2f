import type { MessagePort } from 'node:worker_threads';
import type { MetricsSnapshot } from '@pff/telemetry';

/** What a layer-worker thread is started with. */
export interface WorkerThreadData {
  readonly stage: number;
  readonly replica: string;
  readonly backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** RabbitMQ URL, or absent for the embedded broker reached through `port`. */
  readonly brokerUrl?: string;
  readonly maxMessageBytes?: number;
  readonly persistent?: boolean;
  readonly port?: MessagePort;
}

/** Parent to thread: finish what is in hand and stop; (fault injection) die at once; send your metrics. */
export type ThreadControl = { readonly type: 'stop' | 'crash' } | { readonly type: 'metrics'; readonly id: number };

/** Thread to parent. */
export type ThreadReport =
  | { readonly type: 'ready' }
  | { readonly type: 'stopped' }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'metrics'; readonly id: number; readonly snapshot: MetricsSnapshot };
