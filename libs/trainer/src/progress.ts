/** What a trainer reports after every step, for a progress bar or a metrics exporter. */
export interface TrainProgress {
  readonly phase: 'train' | 'head' | 'evaluate';
  readonly chapter: number;
  readonly chapters: number;
  /** Epochs' worth of work done so far (fractional). */
  readonly epoch: number;
  readonly epochs: number;
  /** 0-based layer being trained, or -1 for the softmax head. */
  readonly layer: number;
  readonly layers: number;
  readonly step: number;
  readonly totalSteps: number;
  /** Running mean loss of the part being trained. */
  readonly loss: number;
  /** Training samples per second through the whole network so far. */
  readonly samplesPerSecond: number;
}

export type ProgressListener = (progress: TrainProgress) => void;
