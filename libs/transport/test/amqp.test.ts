/** The RabbitMQ transport against the real broker: the conformance suite, then what only AMQP has. */
import { createAmqpTransport } from '../src/index.js';
import { runConformance } from './conformance.js';

export const BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

runConformance('amqp', () => createAmqpTransport({ url: BROKER_URL, reconnect: { initialMs: 50, maxMs: 500 } }));
