import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Serial } from '../src/serial.js';

/** Busy-waits `ms`: a synchronous training step, as far as the event loop can tell. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('tasks run one at a time, in order', async () => {
  const serial = new Serial();
  const order: number[] = [];
  let running = 0;
  await Promise.all([3, 1, 2].map((ms, i) => serial.run(async () => {
    running++;
    assert.equal(running, 1, 'never two at once');
    await new Promise((resolve) => setTimeout(resolve, ms));
    order.push(i);
    running--;
  })));
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(serial.size, 0);
});

test('the event loop turns between two queued synchronous tasks (heartbeats and probes are not starved)', async () => {
  const serial = new Serial();
  const events: string[] = [];
  const first = serial.run(() => {
    setTimeout(() => events.push('timer'), 0);
    block(20);
    events.push('batch 1');
  });
  const second = serial.run(() => {
    block(20);
    events.push('batch 2');
  });
  await Promise.all([first, second]);
  assert.deepEqual(events, ['batch 1', 'timer', 'batch 2'], 'a timer due during batch 1 fires before batch 2 starts');
});

test('a failed task does not stop the ones after it', async () => {
  const serial = new Serial();
  const failed = serial.run(() => {
    throw new Error('bad batch');
  });
  const next = serial.run(() => 'trained');
  await assert.rejects(failed, /bad batch/);
  assert.equal(await next, 'trained');
});
