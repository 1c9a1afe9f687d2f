import { Counter, Gauge, type Registry } from 'prom-client';
import type { Delivery, Transport, TransportState } from '@pff/transport';
import { queueKindOf } from './queue-kind.js';

const STATES: readonly TransportState[] = ['connected', 'reconnecting', 'blocked', 'closed'];

/**
 * Wraps a Transport so that every service counts the same things: bytes sent and
 * received by queue kind, how deliveries were settled (acked, requeued,
 * dead-lettered), and the broker connection state.
 */
export function withTransportMetrics(transport: Transport, registry: Registry): Transport {
  const bytes = new Counter({
    name: 'pff_message_bytes_total', help: 'Message bytes sent (out) and received (in), by queue kind', labelNames: ['direction', 'queue'], registers: [registry],
  });
  const outcomes = new Counter({
    name: 'pff_messages_total', help: 'Deliveries settled, by queue kind and outcome (acked, requeued, dead_lettered)', labelNames: ['queue', 'outcome'], registers: [registry],
  });
  new Gauge({
    name: 'pff_broker_state', help: '1 for the broker connection\'s current state (connected, reconnecting, blocked, closed)', labelNames: ['state'], registers: [registry], aggregator: 'min',
    collect() {
      for (const s of STATES) this.set({ state: s }, transport.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pff_broker_connected', help: '1 while the broker connection is up', registers: [registry], aggregator: 'min',
    collect() {
      this.set(transport.state === 'connected' ? 1 : 0);
    },
  });
  const count = (direction: 'in' | 'out', name: string, size: number): void => bytes.inc({ direction, queue: queueKindOf(name) }, size);
  const observed = (queue: string, d: Delivery): Delivery => {
    const kind = queueKindOf(queue);
    return {
      body: d.body,
      headers: d.headers,
      redelivered: d.redelivered,
      ack: () => {
        d.ack();
        outcomes.inc({ queue: kind, outcome: 'acked' });
      },
      requeue: () => {
        d.requeue();
        outcomes.inc({ queue: kind, outcome: 'requeued' });
      },
      deadLetter: async (reason) => {
        await d.deadLetter(reason);
        outcomes.inc({ queue: kind, outcome: 'dead_lettered' });
      },
    };
  };
  return {
    kind: transport.kind,
    get state() {
      return transport.state;
    },
    declareQueue: (q) => transport.declareQueue(q),
    deleteQueue: (q) => transport.deleteQueue(q),
    deleteTopic: (t) => transport.deleteTopic(t),
    queueStats: (q) => transport.queueStats(q),
    onState: (l) => transport.onState(l),
    close: () => transport.close(),
    // Sizes are taken before sending: a transport may transfer (detach) the buffer.
    async send(queue, body, headers) {
      const size = body.byteLength;
      await transport.send(queue, body, headers);
      count('out', queue, size);
    },
    async broadcast(topic, body, headers) {
      const size = body.byteLength;
      await transport.broadcast(topic, body, headers);
      count('out', topic, size);
    },
    consume: (queue, handler, options) =>
      transport.consume(queue, (d) => {
        count('in', queue, d.body.byteLength);
        return handler(observed(queue, d));
      }, options),
    async get(queue) {
      const d = await transport.get(queue);
      if (d) count('in', queue, d.body.byteLength);
      return d && observed(queue, d);
    },
    subscribe: (topic, handler) =>
      transport.subscribe(topic, (m) => {
        count('in', topic, m.body.byteLength);
        handler(m);
      }),
  };
}
