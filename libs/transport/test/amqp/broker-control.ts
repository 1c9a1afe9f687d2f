/**
 * Reaching around the transport to the broker itself, for the AMQP-only tests: closing a
 * client's connection from the broker side, reading queue arguments, raw amqplib access.
 * Connections are found by the connection_name client property, so a test only ever
 * touches its own connections, never another process's.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, type ChannelModel } from 'amqplib';

export const BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', [...args, '-q'], { timeout: 20_000 });
  return stdout;
}

/** Every connection the broker has whose connection_name is `name`, closed from the broker's side. */
export async function closeConnectionsNamed(name: string): Promise<number> {
  // Tab-separated rows; the pid column is already in the form close_connection wants
  // (the JSON formatter's #PID<…> form is not accepted back).
  const rows = (await rabbitmqctl('list_connections', 'pid', 'client_properties')).split('\n');
  const pids = rows.filter((row) => row.includes(`{"connection_name","${name}"}`)).map((row) => row.split('\t')[0] ?? '');
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'closed by a pff transport test');
  return pids.length;
}

/** The heartbeat (seconds) the broker negotiated with each connection named `name`. */
export async function heartbeatsOfConnectionsNamed(name: string): Promise<number[]> {
  const rows = (await rabbitmqctl('list_connections', 'timeout', 'client_properties')).split('\n');
  return rows.filter((row) => row.includes(`{"connection_name","${name}"}`)).map((row) => Number(row.split('\t')[0]));
}

/** A queue's durability and x-arguments as the broker holds them. */
export async function queueDefinition(queue: string): Promise<{ durable: boolean; arguments: Map<string, unknown> } | undefined> {
  // Arguments come as [name, type, value] triples.
  const rows = JSON.parse(await rabbitmqctl('list_queues', 'name', 'durable', 'arguments', '--formatter', 'json')) as { name: string; durable: boolean; arguments: [string, string, unknown][] }[];
  const row = rows.find((candidate) => candidate.name === queue);
  return row && { durable: row.durable, arguments: new Map(row.arguments.map(([name, , value]) => [name, value])) };
}

/** Names of the broker's exchanges that start with `prefix`. */
export async function exchangesStartingWith(prefix: string): Promise<string[]> {
  const rows = JSON.parse(await rabbitmqctl('list_exchanges', 'name', '--formatter', 'json')) as { name: string }[];
  return rows.map((row) => row.name).filter((name) => name.startsWith(prefix));
}

/** A plain amqplib connection, for doing what the Transport deliberately cannot. */
export function rawConnection(): Promise<ChannelModel> {
  return connect(BROKER_URL);
}

/**
 * A `connect` for createAmqpTransport whose connections carry `name` (so the broker can
 * close exactly them) and which can be told to refuse, to hold an outage open.
 */
export class ControlledConnect {
  refusing = false;
  refused = 0;
  readonly models: ChannelModel[] = [];

  constructor(readonly name: string) {}

  readonly connect = async (url: string): Promise<ChannelModel> => {
    if (this.refusing) {
      this.refused += 1;
      throw new Error('connection refused by the test');
    }
    const model = await connect(url, { clientProperties: { connection_name: this.name } });
    this.models.push(model);
    return model;
  };

  /** The connection made last. */
  latest(): ChannelModel {
    const model = this.models.at(-1);
    if (!model) throw new Error('no connection made yet');
    return model;
  }
}
