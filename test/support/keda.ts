// KEDA's decision for a ScaledObject with a RabbitMQ QueueLength trigger, computed from
// RabbitMQ's own per-queue metrics: the sum of the matching queues' depth (ready only, as
// excludeUnacknowledged=true asks, or ready plus unacknowledged) over the target value,
// rounded up and kept within [minReplicaCount, maxReplicaCount], as the HPA KEDA drives
// computes it.
import { parseMetrics } from '@pff/bench';
import type { K8sObject } from './k8s.js';

interface RabbitTrigger {
  type: string;
  metadata: Record<string, string>;
}

/** A queue's messages: waiting (ready) and in all (ready plus delivered and unacknowledged). */
export interface QueueDepth {
  ready: number;
  messages: number;
}

/** Queue name -> its depth, from `/metrics/per-object` of rabbitmq_prometheus. */
export function queueDepths(metricsText: string): Map<string, QueueDepth> {
  const metrics = parseMetrics(metricsText);
  const depths = new Map<string, QueueDepth>();
  for (const [name, field] of [['rabbitmq_queue_messages', 'messages'], ['rabbitmq_queue_messages_ready', 'ready']] as const) {
    for (const { labels, value } of metrics.get(name) ?? []) {
      const queue = labels['queue'];
      if (!queue) continue;
      const depth = depths.get(queue) ?? { ready: 0, messages: 0 };
      depth[field] = value;
      depths.set(queue, depth);
    }
  }
  return depths;
}

export async function fetchQueueDepths(url = 'http://127.0.0.1:15692/metrics/per-object'): Promise<Map<string, QueueDepth>> {
  return queueDepths(await (await fetch(url)).text());
}

/** The replica count KEDA asks for, given the queues' depths. */
export function desiredReplicas(scaledObject: K8sObject, depths: ReadonlyMap<string, QueueDepth>): { desired: number; backlog: number } {
  const spec = scaledObject.spec as { minReplicaCount: number; maxReplicaCount: number; triggers: RabbitTrigger[] };
  const trigger = spec.triggers.find((t) => t.type === 'rabbitmq');
  if (!trigger) throw new Error(`${scaledObject.metadata.name} has no rabbitmq trigger`);
  const { queueName, useRegex, operation, mode, value, excludeUnacknowledged } = trigger.metadata;
  if (mode !== 'QueueLength' || useRegex !== 'true' || operation !== 'sum' || !['true', 'false'].includes(excludeUnacknowledged ?? '')) {
    throw new Error(`${scaledObject.metadata.name}: only QueueLength, useRegex, sum, with excludeUnacknowledged set, is emulated here`);
  }
  const pattern = new RegExp(queueName!);
  let backlog = 0;
  for (const [queue, depth] of depths) if (pattern.test(queue)) backlog += excludeUnacknowledged === 'true' ? depth.ready : depth.messages;
  const desired = Math.min(spec.maxReplicaCount, Math.max(spec.minReplicaCount, Math.ceil(backlog / Number(value))));
  return { desired, backlog };
}
