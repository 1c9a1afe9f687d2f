import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { engine } from '@tensorflow/tfjs-core';
import { Gauge, type Registry } from 'prom-client';

/** V8 heap used just after the latest major GC (NaN before the first); one observer per thread, shared by its registries. */
let heapAfterGc = Number.NaN;
let watching = false;

function watchMajorGc(): void {
  if (watching) return;
  watching = true;
  new PerformanceObserver((list) => {
    // A gc entry's detail is { kind, flags } (Node 16+); the types of Node 20 do not say so.
    if (list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
      heapAfterGc = getHeapStatistics().used_heap_size;
    }
  }).observe({ entryTypes: ['gc'] });
}

/**
 * What a leak looks like from outside: tfjs tensors of this thread's engine
 * (`pff_tensors`, `pff_tensor_bytes`; a tensor not disposed grows them for ever) and,
 * with the process metrics, Node's ArrayBuffer memory (`pff_array_buffers_bytes`:
 * message bodies, datasets) and the heap's floor (`pff_heap_after_gc_bytes`: the heap
 * used sampled at any time swings with the garbage not yet collected; just after a
 * mark-compact it is what is still referenced, and only a leak raises it for good).
 * The tensor gauges read the engine's counters, which never initialise a backend, so a
 * role that trains nothing reports 0. Each worker thread has its own engine; under
 * `pff serve` their gauges are summed.
 */
export function registerMemoryMetrics(registry: Registry, options: { readonly process: boolean }): void {
  const registers = [registry];
  new Gauge({
    name: 'pff_tensors', help: 'tfjs tensors alive in this thread (tf.memory().numTensors)', registers,
    collect() {
      this.set(engine().state.numTensors);
    },
  });
  new Gauge({
    name: 'pff_tensor_bytes', help: 'Bytes held by the tfjs tensors alive in this thread (tf.memory().numBytes)', registers,
    collect() {
      this.set(engine().state.numBytes);
    },
  });
  if (!options.process) return;
  watchMajorGc();
  new Gauge({
    name: 'pff_heap_after_gc_bytes', help: 'V8 heap used just after the latest major (mark-compact) garbage collection; NaN before the first', registers,
    collect() {
      this.set(heapAfterGc);
    },
  });
  new Gauge({
    name: 'pff_array_buffers_bytes', help: 'Memory of the process\'s ArrayBuffers and Buffers (process.memoryUsage().arrayBuffers)', registers,
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });
}
