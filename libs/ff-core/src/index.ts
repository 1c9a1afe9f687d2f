export { normalize, type NormKind } from './normalize.js';
export { goodness, ffLoss, goodnessGradFactor, positiveProbability, type GoodnessKind } from './goodness.js';
export { writeLabel, embedLabels, LABEL_SLOTS, NEUTRAL_LABEL_VALUE } from './labels.js';
export { createOptimizer, type OptimizerOptions, type OptimizerKind, type ParamOptimizer } from './optimizer.js';
export { softmaxCrossEntropy } from './cross-entropy.js';
export { FFLayer, type FFLayerOptions, type FFStepResult } from './ff-layer.js';
export { SoftmaxHead } from './softmax-head.js';
export { LocalSoftmaxLayer, type LocalSoftmaxLayerOptions, type LocalStepResult } from './local-softmax-layer.js';
export { FFNetwork, type NetworkConfig } from './network.js';
export { learningRateAt } from './schedule.js';
export { ffStepFlops } from './flops.js';
export {
  createFFLayer,
  createLocalLayer,
  createHead,
  hasSoftmaxHead,
  readingLayersOf,
  headFeatureSizeOf,
  ffLayerWeights,
  localLayerWeights,
  headWeights,
} from './network-parts.js';
