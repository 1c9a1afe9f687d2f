import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, permutation } from '@pff/random';

test('the same seed gives the same stream, another seed another', () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const sa = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
  for (const x of sa) assert.ok(x >= 0 && x < 1);
});

test('int stays in range and covers it', () => {
  const rng = createRng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const v = rng.int(10);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
    seen.add(v);
  }
  assert.equal(seen.size, 10);
});

test('normal has mean ~0 and variance ~1', () => {
  const rng = createRng(3);
  const n = 20000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test('permutation is a seeded permutation', () => {
  const p = permutation(100, createRng(5));
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(p, permutation(100, createRng(5)));
  assert.notDeepEqual(p, permutation(100, createRng(6)));
});

test('forked streams differ from each other and from the parent', () => {
  const root = createRng(11);
  const f1 = root.fork(1).next();
  const f2 = root.fork(2).next();
  assert.notEqual(f1, f2);
  assert.equal(f1, createRng(11).fork(1).next());
});
