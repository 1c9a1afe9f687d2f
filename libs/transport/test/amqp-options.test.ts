/** The AMQP transport's option defaults, validation and back-off schedule (no broker needed). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, checkPrefetch, resolveOptions } from '../src/amqp/options.js';

describe('amqp transport options', () => {
  it('fills in the defaults and puts the heartbeat in the URL', () => {
    const resolved = resolveOptions({ url: 'amqp://guest:guest@127.0.0.1:5672' });
    assert.equal(new URL(resolved.url).searchParams.get('heartbeat'), '10', 'default heartbeat 10 s');
    assert.equal(resolved.prefetchDefault, 1, 'default prefetch 1');
    assert.deepEqual(resolved.reconnect, { initialMs: 200, maxMs: 10_000 }, 'default back-off');
    assert.ok(Object.isFrozen(resolved), 'resolved options are frozen');
  });

  it('keeps a heartbeat given in the URL and otherwise uses heartbeatSeconds', () => {
    assert.equal(new URL(resolveOptions({ url: 'amqp://h/?heartbeat=3', heartbeatSeconds: 30 }).url).searchParams.get('heartbeat'), '3', 'the URL wins');
    assert.equal(new URL(resolveOptions({ url: 'amqp://h/', heartbeatSeconds: 30 }).url).searchParams.get('heartbeat'), '30', 'heartbeatSeconds used');
  });

  it('rejects nonsense', () => {
    assert.throws(() => resolveOptions({ url: 'amqp://h', reconnect: { initialMs: 0, maxMs: 10 } }), RangeError, 'initialMs must be positive');
    assert.throws(() => resolveOptions({ url: 'amqp://h', reconnect: { initialMs: 100, maxMs: 10 } }), RangeError, 'maxMs below initialMs');
    assert.throws(() => resolveOptions({ url: 'amqp://h', heartbeatSeconds: -1 }), RangeError, 'negative heartbeat');
    assert.throws(() => resolveOptions({ url: 'not a url' }), TypeError, 'unparseable URL');
    for (const prefetch of [0, 1.5, 70_000, Number.NaN]) assert.throws(() => checkPrefetch(prefetch), RangeError, `prefetch ${prefetch}`);
    assert.equal(checkPrefetch(5), 5, 'a valid prefetch passes through');
  });

  it('backs off exponentially up to the cap, with at most 20 % jitter taken off', () => {
    const reconnect = { initialMs: 100, maxMs: 1_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, reconnect, () => 0)), [100, 200, 400, 800, 1_000, 1_000], 'doubling, capped');
    assert.equal(backoffMs(2, reconnect, () => 1), 160, 'full jitter takes 20 % off');
  });
});
