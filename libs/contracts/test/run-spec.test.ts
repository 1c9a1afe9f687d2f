import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSpecError, parseRunSpec } from '@pff/contracts';

test('an empty spec gets the standard configuration', () => {
  const spec = parseRunSpec({});
  assert.deepEqual(spec.layers, [500, 500, 500, 500]);
  assert.equal(spec.batch, 64);
  assert.equal(spec.neg, 'random');
  assert.equal(spec.classifier, 'softmax');
  assert.equal(spec.chapters, spec.epochs);
  assert.ok(Object.isFrozen(spec));
});

test('explicit values survive and chapters must divide epochs', () => {
  const spec = parseRunSpec({ epochs: 6, chapters: 3, layers: [10, 20], neg: 'adaptive' });
  assert.equal(spec.chapters, 3);
  assert.deepEqual(spec.layers, [10, 20]);
  assert.throws(() => parseRunSpec({ epochs: 5, chapters: 2 }), /chapters: must divide epochs/);
});

const bad: Array<[unknown, string, RegExp]> = [
  [{ layers: [0] }, 'layers.0', /must be >= 1/],
  [{ layers: [] }, 'layers', /./],
  [{ layers: 'a' }, 'layers', /array/],
  [{ neg: 'sometimes' }, 'neg', /one of random, fixed, adaptive/],
  [{ epochs: 1.5 }, 'epochs', /integer/],
  [{ batch: 0 }, 'batch', />= 1/],
  [{ colour: 'red' }, 'colour', /not a known option/],
  [{ variant: 'sequential', workers: 2 }, 'workers', /exactly 1/],
  [[1, 2], 'spec', /object/],
  [null, 'spec', /object/],
];

for (const [input, field, message] of bad) {
  test(`rejects ${JSON.stringify(input)} naming ${field}`, () => {
    assert.throws(
      () => parseRunSpec(input),
      (err: unknown) => err instanceof InvalidSpecError && err.field === field && message.test(err.message),
    );
  });
}

test('the caller object is not mutated', () => {
  const input = { epochs: 2 };
  parseRunSpec(input);
  assert.deepEqual(input, { epochs: 2 });
});
