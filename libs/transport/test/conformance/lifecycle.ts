/** State and close(): the shutdown is part of the contract. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Transport, TransportState } from '../../src/index.js';
import { scopeOf, within, type Settings } from './harness.js';

export function lifecycleTests(makeTransport: () => Promise<Transport>, settings: Settings): void {
  const timeout = settings.testTimeoutMs;

  it('a new transport is connected; close() makes it closed, tells listeners, and is idempotent', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const transport = await scope.transport();
    assert.equal(transport.state, 'connected', 'a transport is connected once made');
    const seen: TransportState[] = [];
    const removed: TransportState[] = [];
    transport.onState((state) => seen.push(state));
    const remove = transport.onState((state) => removed.push(state));
    remove();
    await within(transport.close(), settings.waitMs, 'close resolves');
    assert.equal(transport.state, 'closed', 'state is closed after close()');
    assert.deepEqual(seen, ['closed'], 'a listener hears the change to closed, once');
    assert.deepEqual(removed, [], 'a removed listener hears nothing');
    await within(transport.close(), settings.waitMs, 'a second close resolves');
    assert.equal(transport.state, 'closed', 'still closed after a second close()');
    assert.deepEqual(seen, ['closed'], 'a second close() announces nothing');
  });

  it('close() with live consumers and subscriptions resolves and leaves the queue without consumers', { timeout }, async (t) => {
    const scope = scopeOf(t, makeTransport, settings);
    const [closing, observer] = [await scope.transport(), await scope.transport()];
    const queue = await scope.queue();
    await closing.consume(queue, () => undefined, { prefetch: 1 });
    await closing.subscribe(`${queue}.topic`, () => undefined);
    await within(closing.close(), settings.waitMs, 'close resolves with a consumer and a subscription');
    assert.equal(closing.state, 'closed', 'state is closed');
    assert.equal((await observer.queueStats(queue)).consumers, 0, 'a closed transport leaves no consumer behind');
  });
}
