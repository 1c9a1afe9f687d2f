import type { ControlOp, SchedulerClient, SchedulerReply } from './scheduler-client.js';

const READS = new Set(['get', 'list', 'history']);

/**
 * A SchedulerClient that answers identical reads (get, list, history) from one
 * scheduler round trip: concurrent ones share the request in flight, and an answer is
 * reused for `ttlMs`. 50 clients polling a run cost the scheduler one request per
 * `ttlMs`, not 50. A create or stop through this instance clears what it holds, so its
 * own clients read their writes; other API instances may lag by at most `ttlMs`.
 */
export function withReadCache(client: SchedulerClient, ttlMs: number, now: () => number = () => performance.now()): SchedulerClient {
  if (ttlMs <= 0) return client;
  const entries = new Map<string, { at: number; reply: Promise<SchedulerReply> }>();
  return {
    available: () => client.available(),
    close: () => client.close(),
    request(op: ControlOp) {
      if (!READS.has(op.op)) {
        entries.clear();
        return client.request(op);
      }
      const key = JSON.stringify(op);
      const cached = entries.get(key);
      if (cached && now() - cached.at <= ttlMs) return cached.reply;
      const reply = client.request(op);
      entries.set(key, { at: now(), reply });
      // A failed request is not kept: the next read asks again.
      reply.catch(() => {
        if (entries.get(key)?.reply === reply) entries.delete(key);
      });
      if (entries.size > 1000) for (const [k, e] of entries) if (now() - e.at > ttlMs) entries.delete(k);
      return reply;
    },
  };
}
