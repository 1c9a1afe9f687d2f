import Type from 'typebox';
import Value from 'typebox/value';
import { InvalidSpecError } from './invalid-spec-error.js';

export const DATASETS = ['mnist', 'cifar10'] as const;
export const NEGATIVE_STRATEGIES = ['random', 'fixed', 'adaptive'] as const;
export const CLASSIFIERS = ['goodness', 'softmax'] as const;
export const OBJECTIVES = ['ff', 'local-softmax'] as const;
export const VARIANTS = ['sequential', 'single-layer', 'all-layers', 'federated'] as const;

const int = (minimum: number, maximum: number, def: number, description: string) =>
  Type.Integer({ minimum, maximum, default: def, description });
const num = (minimum: number, maximum: number, def: number, description: string) =>
  Type.Number({ minimum, maximum, default: def, description });

/**
 * The one description of an experiment, shared by `pff train`, the REST API and the
 * queues. Field names are the CLI option names in camelCase. Bounds keep one request
 * from exhausting a machine; defaults are the paper's standard configuration except
 * the epoch count (100 in the paper, which takes hours here).
 */
export const RunSpecSchema = Type.Object(
  {
    dataset: Type.Enum([...DATASETS], { default: 'mnist' }),
    layers: Type.Array(Type.Integer({ minimum: 1, maximum: 8192 }), {
      minItems: 1,
      maxItems: 16,
      default: [500, 500, 500, 500],
      description: 'hidden layer widths',
    }),
    epochs: int(1, 1000, 10, 'passes over the training data'),
    chapters: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'splits of the epochs; must divide epochs; default = epochs' }),
    ),
    batch: int(1, 8192, 64, 'samples per batch (positives; as many negatives)'),
    neg: Type.Enum([...NEGATIVE_STRATEGIES], { default: 'random' }),
    adaptiveSampling: Type.Enum(['argmax', 'proportional'], {
      default: 'argmax',
      description: 'adaptive negatives: the most-predicted wrong label, or one drawn in proportion (Hinton)',
    }),
    classifier: Type.Enum([...CLASSIFIERS], { default: 'softmax' }),
    objective: Type.Enum([...OBJECTIVES], { default: 'ff' }),
    readout: Type.Enum(['last', 'all'], { default: 'all', description: 'local-softmax readout layers' }),
    variant: Type.Enum([...VARIANTS], { default: 'sequential' }),
    workers: int(1, 256, 1, 'worker processes'),
    shareEvery: int(0, 1_000_000, 0, 'batches between parameter sharing (0 = chapter ends only)'),
    trainLimit: int(0, 10_000_000, 0, 'use only the first N training samples (0 = all)'),
    seed: int(0, 2 ** 31 - 1, 1, 'seed of every random choice'),
    norm: Type.Enum(['l2', 'rms'], { default: 'rms', description: 'normalisation of each layer input' }),
    goodness: Type.Enum(['sum', 'mean'], { default: 'sum', description: 'sum (Hinton) or mean of the squared activities' }),
    threshold: num(0, 1e6, 1, 'goodness threshold theta per unit (times the width for the sum goodness)'),
    optimizer: Type.Enum(['adam', 'sgd'], { default: 'adam' }),
    learningRate: num(0, 10, 0.001, 'FF layer learning rate (Adam; 0.001 suits RMS-normalised inputs)'),
    headLearningRate: num(0, 10, 0.001, 'softmax head learning rate'),
    momentum: num(0, 0.999, 0.9, 'SGD momentum'),
    weightDecay: num(0, 1, 0, 'L2 weight decay'),
    peerNormalization: num(0, 100, 0, 'peer normalisation weight (0 = off)'),
    coolDown: Type.Boolean({ default: true, description: 'linear learning-rate cool-down after half the epochs' }),
    evalEvery: int(0, 1000, 0, 'evaluate on the test set every N epochs (0 = at the end only)'),
  },
  { additionalProperties: false },
);

export type RunSpecInput = Type.Static<typeof RunSpecSchema>;
/** A validated spec with every default filled in. */
export type RunSpec = Readonly<Omit<RunSpecInput, 'chapters' | 'layers'> & { chapters: number; layers: readonly number[] }>;

/**
 * A spec that names neither variant nor workers trains as `single-layer` with one stage
 * per worker, at most one per layer (how `pff train` and `pff serve` use every core);
 * `workers` <= 1 leaves it to the schema's defaults (sequential).
 */
export function withDefaultWorkers(input: Record<string, unknown>, workers: number): Record<string, unknown> {
  if (input['variant'] !== undefined || input['workers'] !== undefined) return input;
  const layers = Array.isArray(input['layers']) ? input['layers'].length : 4;
  const stages = Math.max(1, Math.min(workers, layers));
  return stages === 1 ? input : { ...input, variant: 'single-layer', workers: stages };
}

/** Applies defaults, validates, and checks the rules JSON Schema cannot say. */
export function parseRunSpec(input: unknown): RunSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidSpecError('spec', 'must be an object');
  }
  const withDefaults: unknown = Value.Default(RunSpecSchema, structuredClone(input));
  const [first] = Value.Errors(RunSpecSchema, withDefaults);
  if (first) throw new InvalidSpecError(fieldOf(first.instancePath, first.params), describe(first));
  const spec = withDefaults as RunSpecInput;
  const chapters = spec.chapters ?? spec.epochs;
  if (spec.epochs % chapters !== 0) {
    throw new InvalidSpecError('chapters', `must divide epochs (${spec.epochs}), got ${chapters}`);
  }
  if (spec.variant === 'sequential' && spec.workers !== 1) {
    throw new InvalidSpecError('workers', 'the sequential variant runs exactly 1 worker');
  }
  return Object.freeze({ ...spec, chapters, layers: Object.freeze([...spec.layers]) });
}

function fieldOf(instancePath: string, params: unknown): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const extra = (params as { additionalProperties?: string[] }).additionalProperties;
  if (extra?.[0] !== undefined) return path ? `${path}.${extra[0]}` : extra[0];
  return path || 'spec';
}

function describe(error: { keyword: string; message: string; params: unknown }): string {
  const params = error.params as { allowedValues?: unknown[]; additionalProperties?: string[] };
  if (params.allowedValues) return `must be one of ${params.allowedValues.join(', ')}`;
  if (params.additionalProperties || error.keyword === 'boolean') return 'is not a known option';
  return error.message;
}
