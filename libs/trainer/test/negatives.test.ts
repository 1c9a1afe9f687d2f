import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@pff/random';
import { createNegativeLabels } from '@pff/trainer';

const labels = Uint8Array.from({ length: 500 }, (_, i) => i % 10);

test('random negatives are always wrong, cover every wrong label, and change each chapter', () => {
  const negatives = createNegativeLabels('random', labels, 10, createRng(1));
  const first = negatives.forChapter(null);
  const second = negatives.forChapter(null);
  first.forEach((n, i) => assert.notEqual(n, labels[i]));
  assert.equal(new Set(first).size, 10);
  assert.notDeepEqual(first, second);
});

test('fixed negatives are chosen once', () => {
  const negatives = createNegativeLabels('fixed', labels, 10, createRng(1));
  const first = Uint8Array.from(negatives.forChapter(null));
  assert.deepEqual(negatives.forChapter(new Float32Array(5000)), first);
  first.forEach((n, i) => assert.notEqual(n, labels[i]));
});

test('adaptive negatives take the highest-scored wrong label, random before any scores', () => {
  const negatives = createNegativeLabels('adaptive', Uint8Array.from([3, 7]), 10, createRng(1));
  negatives.forChapter(null).forEach((n, i) => assert.notEqual(n, [3, 7][i]));
  const scores = new Float32Array(20);
  scores[3] = 9; // the true label scores highest: must be skipped
  scores[5] = 4;
  scores[10 + 2] = 1;
  assert.deepEqual(Array.from(negatives.forChapter(scores)), [5, 2]);
  assert.throws(() => negatives.forChapter(new Float32Array(3)), /expected 20 scores/);
});

test('proportional adaptive negatives follow the softmax of the wrong labels', () => {
  const many = new Uint8Array(4000); // every sample has true label 0
  const negatives = createNegativeLabels('adaptive', many, 10, createRng(2), 'proportional');
  const scores = new Float32Array(4000 * 10);
  for (let i = 0; i < 4000; i++) {
    scores[i * 10] = 50; // true label: never drawn
    scores[i * 10 + 1] = Math.log(3); // three times as likely as each of labels 2..9
  }
  const counts = new Array<number>(10).fill(0);
  for (const n of negatives.forChapter(scores)) counts[n]! += 1;
  assert.equal(counts[0], 0);
  // p(1) = 3 / (3 + 8) = 0.27
  assert.ok(Math.abs(counts[1]! / 4000 - 3 / 11) < 0.03, `label 1 drawn ${counts[1]} times`);
});
