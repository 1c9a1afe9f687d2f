import * as tf from '@tensorflow/tfjs-core';

export type GoodnessKind = 'sum' | 'mean';

/** Goodness of each row: the sum or the mean of the squared activities. */
export function goodness(h: tf.Tensor2D, kind: GoodnessKind): tf.Tensor1D {
  return tf.tidy(() => (kind === 'sum' ? tf.sum(tf.square(h), 1) : tf.mean(tf.square(h), 1)));
}

/** d goodness / d h = factor * h: 2 for the sum, 2/width for the mean. */
export function goodnessGradFactor(kind: GoodnessKind, width: number): number {
  return kind === 'sum' ? 2 : 2 / width;
}

/**
 * The FF loss of one batch made of `positives` rows followed by as many negatives:
 * softplus(theta - g) for positives and softplus(g - theta) for negatives, averaged
 * over all rows. Returns the loss and its gradient with respect to each row's goodness.
 */
export function ffLoss(
  g: tf.Tensor1D,
  positives: number,
  threshold: number,
): { loss: tf.Scalar; dLossDGoodness: tf.Tensor1D } {
  return tf.tidy(() => {
    const rows = g.shape[0];
    const gPos = tf.slice(g, [0], [positives]);
    const gNeg = tf.slice(g, [positives], [rows - positives]);
    const marginPos = tf.sub(threshold, gPos);
    const marginNeg = tf.sub(gNeg, threshold);
    const loss = tf.div(tf.add(tf.sum(tf.softplus(marginPos)), tf.sum(tf.softplus(marginNeg))), rows);
    // d softplus(m)/dm = sigmoid(m); dm/dg = -1 for positives, +1 for negatives.
    const dLossDGoodness = tf.div(tf.concat([tf.neg(tf.sigmoid(marginPos)), tf.sigmoid(marginNeg)]), rows);
    return { loss: loss as tf.Scalar, dLossDGoodness: dLossDGoodness as tf.Tensor1D };
  });
}

/** p(positive) = sigmoid(goodness - theta), as the paper defines it. */
export function positiveProbability(g: tf.Tensor1D, threshold: number): tf.Tensor1D {
  return tf.tidy(() => tf.sigmoid(tf.sub(g, threshold)) as tf.Tensor1D);
}
