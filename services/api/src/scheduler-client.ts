import { randomUUID } from 'node:crypto';
import {
  CONTROL_QUEUE,
  CONTROL_REPLIES_TOPIC,
  decodeMessage,
  encodeMessage,
  MessageError,
  type ControlRequest,
  type NamedTensor,
} from '@pff/contracts';
import type { Subscription, Transport } from '@pff/transport';

/** The scheduler cannot answer now (broker down, no scheduler, or no answer in time): a 503. */
export class SchedulerUnavailableError extends Error {
  readonly code = 'PFF_SCHEDULER_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerUnavailableError';
  }
}

export interface SchedulerReply {
  readonly status: number;
  readonly body: unknown;
  readonly tensors: ReadonlyMap<string, NamedTensor>;
}

/** A control request without the envelope the client adds. */
export type ControlOp = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'kind' | 'id' | 'from' | 'deadline'> : never) : never;

export interface SchedulerClient {
  request(op: ControlOp): Promise<SchedulerReply>;
  /** Whether a scheduler listens (cached for a second): the API's readiness. */
  available(): Promise<boolean>;
  close(): Promise<void>;
}

export interface SchedulerClientDeps {
  readonly transport: Transport;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** This API instance's name in replies (default: a random one). */
  readonly instance?: string;
}

/**
 * The API's side of the control plane: a request goes to CONTROL_QUEUE with a deadline;
 * the reply comes back on CONTROL_REPLIES_TOPIC, matched by id. No reply in time, no
 * scheduler consuming, or no broker: SchedulerUnavailableError. Nothing is kept between
 * requests, so API instances are interchangeable and one that restarts loses nothing.
 */
export async function createSchedulerClient(deps: SchedulerClientDeps): Promise<SchedulerClient> {
  const { transport, timeoutMs, log } = deps;
  const instance = deps.instance ?? `api-${randomUUID()}`;
  const pending = new Map<string, { resolve: (reply: SchedulerReply) => void }>();
  let consumersSeen = { at: -Infinity, count: 0 };

  await transport.declareQueue(CONTROL_QUEUE);
  const replies: Subscription = await transport.subscribe(CONTROL_REPLIES_TOPIC, (m) => {
    try {
      const { message, tensors } = decodeMessage(m.body, ['control-reply']);
      if (message.to !== instance) return;
      pending.get(message.id)?.resolve({ status: message.status, body: message.body, tensors });
    } catch (error) {
      log(`ignored a malformed control reply: ${error instanceof MessageError ? error.reason : String(error)}`);
    }
  });

  const consumers = async (): Promise<number> => {
    if (performance.now() - consumersSeen.at > 1000) {
      consumersSeen = { at: performance.now(), count: (await transport.queueStats(CONTROL_QUEUE)).consumers };
    }
    return consumersSeen.count;
  };

  const available = async (): Promise<boolean> => transport.state === 'connected' && (await consumers().catch(() => 0)) > 0;

  return {
    available,
    async request(op) {
      if (transport.state !== 'connected') throw new SchedulerUnavailableError(`the broker is ${transport.state}; try again shortly`);
      if (!(await available())) throw new SchedulerUnavailableError('no scheduler is running; try again shortly');
      const id = randomUUID();
      const deadline = Date.now() + timeoutMs;
      const request = { ...op, kind: 'control', id, from: instance, deadline } as ControlRequest;
      let timer: NodeJS.Timeout | undefined;
      const reply = new Promise<SchedulerReply>((resolve, reject) => {
        pending.set(id, { resolve });
        timer = setTimeout(() => reject(new SchedulerUnavailableError(`the scheduler did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        // A send held back by a broker outage must not outlast the timeout either (the
        // request's deadline makes the scheduler drop it if it goes out later).
        return await Promise.race([transport.send(CONTROL_QUEUE, encodeMessage(request)).then(() => reply), reply]);
      } finally {
        clearTimeout(timer);
        pending.delete(id);
      }
    },
    async close() {
      await replies.cancel();
    },
  };
}
