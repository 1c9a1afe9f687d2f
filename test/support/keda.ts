// KEDA's decision for a ScaledObject with a RabbitMQ QueueLength trigger, computed from
// RabbitMQ's own per-queue metrics: the sum of the matching queues' depth (ready plus
// unacknowledged, as excludeUnacknowledged=false asks) over the target value, rounded up
// and kept within [minReplicaCount, maxReplicaCount], as the HPA KEDA drives computes it.
import type { K8sObject } from './k8s.js';

interface RabbitTrigger {
  type: string;
  metadata: Record<string, string>;
}

/** Queue name -> ready + unacked messages, from `/metrics/per-object` of rabbitmq_prometheus. */
export function queueDepths(metricsText: string): Map<string, number> {
  const depths = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('rabbitmq_queue_messages{')) continue;
    const queue = /queue="([^"]+)"/.exec(line)?.[1];
    if (queue) depths.set(queue, Number(line.split(' ').pop()));
  }
  return depths;
}

export async function fetchQueueDepths(url = 'http://127.0.0.1:15692/metrics/per-object'): Promise<Map<string, number>> {
  return queueDepths(await (await fetch(url)).text());
}

/** The replica count KEDA asks for, given the queues' depths. */
export function desiredReplicas(scaledObject: K8sObject, depths: ReadonlyMap<string, number>): { desired: number; backlog: number } {
  const spec = scaledObject.spec as { minReplicaCount: number; maxReplicaCount: number; triggers: RabbitTrigger[] };
  const trigger = spec.triggers.find((t) => t.type === 'rabbitmq');
  if (!trigger) throw new Error(`${scaledObject.metadata.name} has no rabbitmq trigger`);
  const { queueName, useRegex, operation, mode, value } = trigger.metadata;
  if (mode !== 'QueueLength' || useRegex !== 'true' || operation !== 'sum' || trigger.metadata['excludeUnacknowledged'] !== 'false') {
    throw new Error(`${scaledObject.metadata.name}: only QueueLength, useRegex, sum, with unacked counted, is emulated here`);
  }
  const pattern = new RegExp(queueName!);
  let backlog = 0;
  for (const [queue, depth] of depths) if (pattern.test(queue)) backlog += depth;
  const desired = Math.min(spec.maxReplicaCount, Math.max(spec.minReplicaCount, Math.ceil(backlog / Number(value))));
  return { desired, backlog };
}
