import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseMetrics } from './prometheus-text.js';

/** The soak's queues at one instant: depth = ready + unacknowledged, as RabbitMQ counts them. */
export interface QueueSample {
  /** The deepest single stage queue (`pff.<run>.stage.<k>`, shards too). */
  readonly stageMax: number;
  /** The most messages waiting (ready: not yet handed to a worker) in a single stage queue. */
  readonly stageReadyMax: number;
  /** The most messages held by workers (unacknowledged: in hand, or trained and waiting for a commit) in a single stage queue. */
  readonly stageUnackedMax: number;
  /** All stage queues of the deepest run together. */
  readonly stageSum: number;
  /** The deepest events queue (`pff.<run>.events`). */
  readonly events: number;
  /** How many of the soak's queues exist (stage, events, dead-letter, parts). */
  readonly queues: number;
}

/** Messages of each queue by name: ready (waiting) and unacknowledged (held by a consumer). */
export type QueueCounts = Map<string, { ready: number; unacked: number }>;

/**
 * The counts of a vhost's queues from RabbitMQ's own per-queue metrics (rabbitmq_prometheus,
 * `/metrics/per-object`): cheap, and what KEDA and the dashboards see, but the broker
 * refreshes them every 5 s by default, so a queue that lives shorter may never show.
 */
export async function prometheusQueueCounts(url: string, vhost: string): Promise<QueueCounts> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} (is the rabbitmq_prometheus plugin enabled?)`);
  const metrics = parseMetrics(await response.text());
  const counts: QueueCounts = new Map();
  for (const [name, field] of [['rabbitmq_queue_messages_ready', 'ready'], ['rabbitmq_queue_messages_unacked', 'unacked']] as const) {
    for (const s of metrics.get(name) ?? []) {
      const queue = s.labels['queue'];
      if (s.labels['vhost'] !== vhost || !queue) continue;
      const entry = counts.get(queue) ?? { ready: 0, unacked: 0 };
      entry[field] = s.value;
      counts.set(queue, entry);
    }
  }
  return counts;
}

/** The same counts from `rabbitmqctl list_queues`: exact at the instant, about half a second of CPU each. */
export async function rabbitmqctlQueueCounts(vhost: string): Promise<QueueCounts> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json']);
  const rows = JSON.parse(stdout) as Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
  return new Map(rows.map((r) => [r.name, { ready: r.messages_ready, unacked: r.messages_unacknowledged }]));
}

/** The soak's queues (names starting with `prefix`) at one instant. */
export function queueSampleOf(counts: QueueCounts, prefix: string): QueueSample {
  const sample = { stageMax: 0, stageReadyMax: 0, stageUnackedMax: 0, stageSum: 0, events: 0, queues: 0 };
  const byRun = new Map<string, number>();
  for (const [queue, { ready, unacked }] of counts) {
    if (!queue.startsWith(prefix)) continue;
    sample.queues++;
    const stage = /^pff\.(.+)\.stage\.\d+(\.shard\.\d+)?$/.exec(queue);
    if (stage) {
      sample.stageMax = Math.max(sample.stageMax, ready + unacked);
      sample.stageReadyMax = Math.max(sample.stageReadyMax, ready);
      sample.stageUnackedMax = Math.max(sample.stageUnackedMax, unacked);
      byRun.set(stage[1]!, (byRun.get(stage[1]!) ?? 0) + ready + unacked);
    } else if (queue.endsWith('.events')) {
      sample.events = Math.max(sample.events, ready + unacked);
    }
  }
  return { ...sample, stageSum: Math.max(0, ...byRun.values()) };
}
