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
  for (const [backendName, memory] of [['wasm', wasmMemory], ['cpu', cpuMemory]] as const) {
    tf.registerKernel({
      kernelName: kernel.name,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const infos = kernel.inputs.map((n) => inputs[n]!);
        const shapes = infos.map((i) => i.shape);
        const outputs = memory(backend).allocate(kernel.outputShapes(shapes, attrs as Attrs));
        // Input views only after every allocation: growing wasm memory detaches older views.
        kernel.compute(memory(backend).views(infos), outputs.views, shapes, attrs as Attrs);
        return outputs.infos;
      },
    });
  }
}

interface BackendMemory {
  allocate(shapes: number[][]): { infos: tf.TensorInfo[]; views: Float32Array[] };
  views(infos: readonly tf.TensorInfo[]): Float32Array[];
}

function wasmMemory(backend: unknown): BackendMemory {
  const wasm = backend as WasmLike;
  const views = (infos: readonly tf.TensorInfo[]): Float32Array[] => infos.map((i) => wasm.typedArrayFromHeap(i));
  return {
    allocate(shapes) {
      const infos = shapes.map((shape) => wasm.makeOutput(shape, 'float32'));
      return { infos, views: views(infos) };
    },
    views,
  };
}

function cpuMemory(backend: unknown): BackendMemory {
  const cpu = backend as CpuLike;
  return {
    allocate(shapes) {
      const views = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
      return { infos: shapes.map((s, i) => cpu.makeTensorInfo(s, 'float32', views[i]!)), views };
    },
    views: (infos) => infos.map((i) => cpu.readSync(i.dataId) as Float32Array),
  };
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
