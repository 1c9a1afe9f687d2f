import * as tf from '@tensorflow/tfjs-core';

type Attrs = Record<string, number>;

/** A kernel written as a plain loop over float32 arrays. */
export interface TypedKernel {
  readonly name: string;
  /** Names of the inputs, in the order `compute` receives them. */
  readonly inputs: readonly string[];
  outputShapes(shapes: ReadonlyArray<readonly number[]>, attrs: Attrs): number[][];
  compute(inputs: readonly Float32Array[], outputs: readonly Float32Array[], shapes: ReadonlyArray<readonly number[]>, attrs: Attrs): void;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface CpuLike {
  readSync(dataId: tf.DataId): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** Backends whose tensors live in memory a JS loop can reach. */
export const TYPED_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;

/**
 * Registers `kernel` for the wasm and cpu backends. The wasm backend runs every op as
 * its own kernel call with a fixed overhead; the FF step's element-wise tail on a
 * batch-sized tensor is ~40 such calls, and as one loop it costs a fraction of that.
 * (For large tensors a JS loop is no faster than wasm's SIMD ops: Adam stays op by op.)
 */
export function registerTypedKernel(kernel: TypedKernel): void {
  tf.registerKernel({
    kernelName: kernel.name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as unknown as WasmLike;
      const infos = kernel.inputs.map((n) => inputs[n]!);
      const shapes = infos.map((i) => i.shape);
      const outputs = kernel.outputShapes(shapes, attrs as Attrs).map((shape) => wasm.makeOutput(shape, 'float32'));
      // Views only after every allocation: growing the wasm memory detaches older views.
      kernel.compute(
        infos.map((i) => wasm.typedArrayFromHeap(i)),
        outputs.map((o) => wasm.typedArrayFromHeap(o)),
        shapes,
        attrs as Attrs,
      );
      return outputs;
    },
  });
  tf.registerKernel({
    kernelName: kernel.name,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const cpu = backend as unknown as CpuLike;
      const infos = kernel.inputs.map((n) => inputs[n]!);
      const shapes = infos.map((i) => i.shape);
      const outShapes = kernel.outputShapes(shapes, attrs as Attrs);
      const outValues = outShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
      kernel.compute(infos.map((i) => cpu.readSync(i.dataId) as Float32Array), outValues, shapes, attrs as Attrs);
      return outShapes.map((s, i) => cpu.makeTensorInfo(s, 'float32', outValues[i]!));
    },
  });
}

/** Whether the typed kernels can run on the active backend. */
export function typedKernelsAvailable(): boolean {
  return (TYPED_KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend());
}

/** Runs a registered typed kernel on tensors; outputs are tracked by the enclosing tidy. */
export function runTypedKernel(kernel: TypedKernel, inputs: readonly tf.Tensor[], attrs: Attrs): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  kernel.inputs.forEach((name, i) => (named[name] = inputs[i]!));
  const result = tf.engine().runKernel(kernel.name, named, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(result) ? result : [result];
}
