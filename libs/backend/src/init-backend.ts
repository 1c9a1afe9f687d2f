import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export const BACKEND_KINDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface BackendInfo {
  /** The tfjs backend now active: 'tensorflow', 'wasm' or 'cpu'. */
  readonly name: string;
  /** Why `auto` chose what it chose, for the logs. */
  readonly reason: string;
}

const require = createRequire(import.meta.url);
// A variable, so TypeScript does not insist on the optional package being installed.
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Selects the tfjs backend. `auto` takes the native TensorFlow binding when the
 * optional `@tensorflow/tfjs-node` is installed (the production image), and the wasm
 * backend otherwise (it cannot be installed where libtensorflow cannot be downloaded).
 */
export async function initBackend(kind: BackendKind): Promise<BackendInfo> {
  tf.enableProdMode();
  if (kind === 'tensorflow' || kind === 'auto') {
    const loaded = await loadNative();
    if (loaded === true && (await tf.setBackend('tensorflow'))) {
      return { name: 'tensorflow', reason: `${TFJS_NODE} is installed` };
    }
    if (kind === 'tensorflow') {
      throw new Error(`backend "tensorflow" needs ${TFJS_NODE}, which could not be loaded: ${String(loaded)}`);
    }
  }
  if (kind === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
    return { name: 'cpu', reason: 'requested' };
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error(`the tfjs wasm backend failed to initialise from ${dist}`);
  return { name: 'wasm', reason: kind === 'wasm' ? 'requested' : `${TFJS_NODE} is not installed` };
}

async function loadNative(): Promise<true | Error> {
  try {
    await import(TFJS_NODE);
    return true;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
