import * as tf from '@tensorflow/tfjs-core';

/** Mean softmax cross-entropy of `logits` against integer `labels`, and its gradient. */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
): { loss: tf.Scalar; dLogits: tf.Tensor2D } {
  return tf.tidy(() => {
    const rows = logits.shape[0];
    const target = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    const logProbs = tf.logSoftmax(logits);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(target, logProbs))), rows) as tf.Scalar;
    const dLogits = tf.div(tf.sub(tf.exp(logProbs), target), rows) as tf.Tensor2D;
    return { loss, dLogits };
  });
}
