export {
  type Transport,
  type Delivery,
  type Broadcast,
  type ConsumeOptions,
  type Subscription,
  type TransportState,
  type QueueStats,
  type Headers,
  REASON_HEADER,
  ORIGIN_HEADER,
  deadLetterQueueOf,
} from './transport.js';
export { createAmqpTransport, type AmqpTransportDeps } from './amqp/amqp-transport.js';
export type { AmqpTransportOptions } from './amqp/options.js';
export { EmbeddedBroker, type PushScheduler } from './embedded/embedded-broker.js';
export type { BrokerLink, DeliveredMessage, Settlement } from './embedded/broker-link.js';
export { createEmbeddedTransport } from './embedded/embedded-transport.js';
export { createPortTransport } from './embedded/port-transport.js';
export { serveBrokerPort, type BrokerPortServer } from './embedded/serve-broker-port.js';
export { EmbeddedTransportError, type EmbeddedErrorCode } from './embedded/embedded-error.js';
export type { EmbeddedTransportOptions } from './embedded/linked-transport.js';
export { BrokerRefusedError, BrokerUnreachableError, redactUrl } from './amqp/errors.js';
export { withChunking } from './chunking/with-chunking.js';
export type { ChunkingOptions } from './chunking/chunking-options.js';
export { connectBroker, DEFAULT_MAX_MESSAGE_BYTES, type BrokerOptions } from './connect-broker.js';
