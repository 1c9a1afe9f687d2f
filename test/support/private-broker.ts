// A RabbitMQ node of the test's own (Debian's rabbitmq-server, the same as the machine's),
// on free ports with its own data directory, so that a test can stop it, start it again
// and force-close its connections without touching the broker other tests use.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateBroker {
  /** amqp://guest:guest@127.0.0.1:<port> */
  readonly url: string;
  readonly node: string;
  /** `rabbitmqctl <args>` against this node; resolves with its stdout. */
  ctl(...args: string[]): Promise<string>;
  /** Queues of the node with their message counts (ready + unacked). */
  queues(): Promise<Map<string, number>>;
  /** Stops the node and removes its data. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a node and waits until it accepts AMQP connections. */
export async function startPrivateBroker(timeoutMs = 60_000): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'pff-rabbit-'));
  const [port, distPort] = [await freePort(), await freePort()];
  const node = `pff-test-${process.pid}-${port}@localhost`;
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users = none\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  // Debian's rabbitmq-server runs the node as the rabbitmq user when started by root.
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'rabbitmq']);
    const uid = Number(stdout.trim());
    for (const path of [dir, join(dir, 'rabbitmq.conf'), join(dir, 'enabled_plugins')]) chownSync(path, uid, uid);
  }
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_DIST_PORT: String(distPort),
  };
  let output = '';
  const server: ChildProcess = spawn('rabbitmq-server', [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const ctl = async (...args: string[]): Promise<string> => (await run('rabbitmqctl', ['-n', node, ...args], { timeout: 60_000 })).stdout;
  const broker: PrivateBroker = {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    node,
    ctl,
    async queues() {
      const out = await ctl('list_queues', '-q', '--no-table-headers', 'name', 'messages');
      return new Map(out.trim().split('\n').filter(Boolean).map((line) => {
        const [name, count] = line.trim().split(/\s+/);
        return [name!, Number(count)];
      }));
    },
    async stop() {
      await ctl('stop').catch(() => undefined);
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The node answers rabbitmqctl only once it has registered its name: ask until then.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ctl('await_startup', '--timeout', '10');
      return broker;
    } catch (error) {
      if (Date.now() > deadline || server.exitCode !== null) {
        await broker.stop();
        throw new Error(`the private RabbitMQ node did not start: ${(error as Error).message}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
