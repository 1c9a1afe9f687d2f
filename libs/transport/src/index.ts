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
