import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withReadCache } from '../src/caching-scheduler.js';
import type { ControlOp, SchedulerClient, SchedulerReply } from '../src/scheduler-client.js';

function countingClient(fail = false): SchedulerClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    available: () => Promise.resolve(true),
    close: () => Promise.resolve(),
    async request(op: ControlOp): Promise<SchedulerReply> {
      calls.push(op.op);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) throw new Error('scheduler away');
      return { status: 200, body: { n: calls.length }, tensors: new Map() };
    },
  };
}

test('identical reads share one round trip, within the time to live', async () => {
  let clock = 0;
  const client = countingClient();
  const cached = withReadCache(client, 500, () => clock);
  const replies = await Promise.all(Array.from({ length: 50 }, () => cached.request({ op: 'get', runId: 'a' })));
  assert.equal(client.calls.length, 1, '50 concurrent reads, one request');
  assert.ok(replies.every((r) => r === replies[0]), 'one answer for all');
  await cached.request({ op: 'get', runId: 'b' });
  assert.equal(client.calls.length, 2, 'another run is another request');
  clock = 501;
  await cached.request({ op: 'get', runId: 'a' });
  assert.equal(client.calls.length, 3, 'stale after the time to live');
});

test('a write clears the cache; failures are not kept; 0 turns it off', async () => {
  const client = countingClient();
  const cached = withReadCache(client, 10_000);
  await cached.request({ op: 'list', limit: 20 });
  await cached.request({ op: 'stop', runId: 'a' });
  await cached.request({ op: 'list', limit: 20 });
  assert.deepEqual(client.calls, ['list', 'stop', 'list'], 'read after write goes to the scheduler');
  const failing = countingClient(true);
  const cachedFailing = withReadCache(failing, 10_000);
  await assert.rejects(cachedFailing.request({ op: 'get', runId: 'a' }), /scheduler away/);
  await assert.rejects(cachedFailing.request({ op: 'get', runId: 'a' }), /scheduler away/);
  assert.equal(failing.calls.length, 2, 'a failure is asked again');
  const plain = countingClient();
  assert.equal(withReadCache(plain, 0), plain, 'no cache at 0');
});
