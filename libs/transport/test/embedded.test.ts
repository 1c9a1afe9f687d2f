/** The embedded transports against the conformance suite: in-process, and over a MessagePort. */
import { after } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { createEmbeddedTransport, createPortTransport, EmbeddedBroker, serveBrokerPort, type BrokerPortServer } from '../src/index.js';
import { runConformance } from './conformance.js';

const inProcess = new EmbeddedBroker();
runConformance('embedded in-process', () => Promise.resolve(createEmbeddedTransport(inProcess)));

const overPorts = new EmbeddedBroker();
const servers: BrokerPortServer[] = [];
runConformance('embedded over MessagePort', () => {
  const { port1, port2 } = new MessageChannel();
  servers.push(serveBrokerPort(overPorts, port1));
  return Promise.resolve(createPortTransport(port2));
});

// Every transport the suite makes is closed by it; this only guards against a leaked port keeping the run alive.
after(() => {
  for (const server of servers) server.disconnect();
});
