import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const rabbitmqctl = async (...args: string[]): Promise<string> => (await promisify(execFile)('rabbitmqctl', ['-q', ...args])).stdout;

export interface BrokerQueue {
  readonly name: string;
  readonly ready: number;
  readonly unacked: number;
}

/** A virtual host of this machine's RabbitMQ of a test's own, and the guest user's URL into it. */
export interface ScratchVhost {
  readonly name: string;
  readonly url: string;
  /** Every queue of the vhost with its messages, as the broker sees them now (no statistics delay). */
  queues(): Promise<BrokerQueue[]>;
  /** Deletes the vhost and everything in it. */
  delete(): Promise<void>;
}

/**
 * Creates a vhost for one test: the shared queues (`pff.runs`, `pff.scheduler.requests`)
 * are then the test's alone, so the roles of other tests running on the same broker
 * neither join its runs nor take its run requests. Needs `rabbitmqctl` (root, as CI runs).
 */
export async function createScratchVhost(prefix: string): Promise<ScratchVhost> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
    async queues() {
      const rows = JSON.parse(await rabbitmqctl('list_queues', '-p', name, 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json')) as
        Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
      return rows.map((r) => ({ name: r.name, ready: r.messages_ready, unacked: r.messages_unacknowledged }));
    },
    async delete() {
      await rabbitmqctl('delete_vhost', name);
    },
  };
}
