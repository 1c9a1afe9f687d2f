/**
 * Start-up and shutdown against a broker that is not always there: a port in front of
 * the real RabbitMQ that opens late (a pod started before its broker) or whose
 * connections are cut (the broker's node gone without a goodbye).
 */
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { it } from 'node:test';
import { BrokerRefusedError, BrokerUnreachableError, connectBroker } from '../src/index.js';

interface Gate {
  readonly port: number;
  /** Starts forwarding to RabbitMQ (127.0.0.1:5672). */
  open(): Promise<void>;
  /** Destroys every forwarded connection, both ways, without an AMQP close. */
  cut(): void;
  close(): Promise<void>;
}

async function gate(): Promise<Gate> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const cut = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port,
    async open() {
      server = createServer((client) => {
        const upstream = createConnection(5672, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

it('waits for a broker that comes up after the service starts, then works', { timeout: 30_000 }, async (t) => {
  const late = await gate();
  t.after(() => late.close());
  const lines: string[] = [];
  const started = Date.now();
  setTimeout(() => void late.open(), 1500);
  const transport = await connectBroker({ url: `amqp://guest:guest@127.0.0.1:${late.port}`, waitMs: 20_000, log: (l) => lines.push(l) });
  try {
    assert.ok(Date.now() - started >= 1400, 'it connected only once the port opened');
    assert.ok(lines.some((l) => /cannot connect to the broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+.*trying again in/.test(l)), `it said it was waiting, password hidden:\n${lines.join('\n')}`);
    assert.ok(lines.every((l) => !l.includes('guest:guest')), 'the password never in a log line');
    const queue = `pff.test.connect-wait.${process.pid}`;
    await transport.declareQueue(queue);
    await transport.send(queue, new Uint8Array([1, 2, 3]));
    const got = await transport.get(queue);
    assert.deepEqual(got && [...got.body], [1, 2, 3], 'a message round trip through the late broker');
    got!.ack();
    await transport.deleteQueue(queue);
  } finally {
    await transport.close();
  }
});

it('gives up after the wait with an error naming the broker, without its password', { timeout: 30_000 }, async () => {
  const never = await gate();
  const started = Date.now();
  await assert.rejects(
    connectBroker({ url: `amqp://guest:s3cret@127.0.0.1:${never.port}`, waitMs: 1200 }),
    (error: unknown) => error instanceof BrokerUnreachableError && error.message.includes(`127.0.0.1:${never.port}`) && !error.message.includes('s3cret'),
  );
  assert.ok(Date.now() - started >= 1100, 'it tried for the whole wait');
});

it('stops waiting at once when asked to (a shutdown during start-up)', { timeout: 10_000 }, async () => {
  const never = await gate();
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(new Error('SIGTERM before start-up finished')), 700);
  await assert.rejects(connectBroker({ url: `amqp://guest:guest@127.0.0.1:${never.port}`, waitMs: 60_000, signal: abort.signal }), /SIGTERM before start-up finished/);
  assert.ok(Date.now() - started < 2000, `stopped in ${Date.now() - started} ms, not after the minute's wait`);
});

it('a broker address that accepts but never answers fails after the connect timeout, and the wait goes on', { timeout: 20_000 }, async (t) => {
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const held: Socket[] = [];
  silent.on('connection', (s) => held.push(s));
  t.after(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const lines: string[] = [];
  const started = Date.now();
  await assert.rejects(connectBroker({ url: `amqp://guest:guest@127.0.0.1:${port}`, connectTimeoutMs: 400, waitMs: 1500, log: (l) => lines.push(l) }), BrokerUnreachableError);
  const took = Date.now() - started;
  assert.ok(took >= 1500 && took < 6000, `gave up after the wait, each attempt bounded (${took} ms)`);
  assert.ok(lines.filter((l) => /trying again in/.test(l)).length >= 1, `it retried after a timed-out attempt:\n${lines.join('\n')}`);
});

it('tries once without a wait', { timeout: 10_000 }, async () => {
  const never = await gate();
  const started = Date.now();
  await assert.rejects(connectBroker({ url: `amqp://guest:guest@127.0.0.1:${never.port}` }), BrokerUnreachableError);
  assert.ok(Date.now() - started < 1000, 'failed at once');
});

it('closes promptly when its connection is cut at the moment it closes (no close-ok will ever come)', { timeout: 20_000 }, async (t) => {
  const link = await gate();
  await link.open();
  t.after(() => link.close());
  const transport = await connectBroker({ url: `amqp://guest:guest@127.0.0.1:${link.port}` });
  link.cut();
  const started = Date.now();
  await transport.close();
  assert.equal(transport.state, 'closed');
  assert.ok(Date.now() - started < 5000, `closed in ${Date.now() - started} ms`);
});

it('refused credentials fail at once, however long the wait, naming the broker and not the password', { timeout: 30_000 }, async () => {
  const started = Date.now();
  await assert.rejects(
    connectBroker({ url: 'amqp://guest:not-the-password@127.0.0.1:5672', waitMs: 60_000 }),
    (error: Error) => {
      assert.ok(error instanceof BrokerRefusedError, `refused, not unreachable: ${error.name}: ${error.message}`);
      assert.match(error.message, /127\.0\.0\.1:5672/, 'names the broker');
      assert.match(error.message, /ACCESS.REFUSED/, 'says why');
      assert.doesNotMatch(error.message, /not-the-password/, 'hides the password');
      return true;
    },
  );
  assert.ok(Date.now() - started < 10_000, `no waiting for credentials that will not change (${Date.now() - started} ms)`);
});
