/** Images as rows of floats in [0, maxValue], with integer labels in [0, classes). */
export interface Dataset {
  readonly name: string;
  readonly count: number;
  /** Values per image (784 for MNIST, 3072 for CIFAR-10). */
  readonly inputSize: number;
  readonly classes: number;
  /** The largest value an input can take: the height of the one-hot label. */
  readonly maxValue: number;
  /** count x inputSize, row-major. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

export interface DatasetPair {
  readonly train: Dataset;
  readonly test: Dataset;
}
