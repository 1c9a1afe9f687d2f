/**
 * The conformance suite every Transport implementation must pass (embedded and
 * RabbitMQ alike): one set of tests for the semantics documented in src/transport.ts.
 *
 * `makeTransport` is called several times per test (competing consumers, a transport
 * that dies, clean-up); every call must return a new client of the same broker.
 * Each test uses its own unique queue and topic names, closes its transports and
 * deletes its queues when it ends.
 */
import { describe } from 'node:test';
import type { Transport } from '../src/index.js';
import { broadcastTests } from './conformance/broadcasts.js';
import { consumerTests } from './conformance/consumers.js';
import { settingsOf, type ConformanceOptions } from './conformance/harness.js';
import { lifecycleTests } from './conformance/lifecycle.js';
import { queueTests } from './conformance/queues.js';
import { roundTripTests } from './conformance/round-trip.js';
import { settlementTests } from './conformance/settlement.js';

export type { ConformanceOptions } from './conformance/harness.js';

export function runConformance(name: string, makeTransport: () => Promise<Transport>, options?: ConformanceOptions): void {
  const settings = settingsOf(options);
  describe(`transport conformance: ${name}`, () => {
    describe('queues', () => queueTests(makeTransport, settings));
    describe('round trip', () => roundTripTests(makeTransport, settings));
    describe('settlement', () => settlementTests(makeTransport, settings));
    describe('consumers', () => consumerTests(makeTransport, settings));
    describe('broadcast', () => broadcastTests(makeTransport, settings));
    describe('lifecycle', () => lifecycleTests(makeTransport, settings));
  });
}
