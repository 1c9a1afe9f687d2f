import { modelFromFiles, type ModelFiles, type SavedModel } from '@pff/model-io';

/**
 * Trained models the API has fetched from the scheduler, newest use last. A finished
 * run's model never changes, so entries stay valid; the least recently used go (their
 * networks disposed) beyond `capacity`.
 */
export class ModelCache {
  private readonly entries = new Map<string, { files: ModelFiles; model?: SavedModel }>();

  constructor(private readonly capacity = 4) {}

  files(runId: string): ModelFiles | undefined {
    return this.touch(runId)?.files;
  }

  put(runId: string, files: ModelFiles): void {
    this.entries.set(runId, { files });
    while (this.entries.size > this.capacity) {
      const [oldest, entry] = this.entries.entries().next().value!;
      entry.model?.network.dispose();
      this.entries.delete(oldest);
    }
  }

  /** The network built from a cached model (built once); ModelFileError when the files are damaged. */
  network(runId: string): SavedModel | undefined {
    const entry = this.touch(runId);
    if (!entry) return undefined;
    entry.model ??= modelFromFiles(entry.files, { model: `model.json of run ${runId}`, weights: `weights.bin of run ${runId}` });
    return entry.model;
  }

  clear(): void {
    for (const entry of this.entries.values()) entry.model?.network.dispose();
    this.entries.clear();
  }

  private touch(runId: string): { files: ModelFiles; model?: SavedModel } | undefined {
    const entry = this.entries.get(runId);
    if (entry) {
      this.entries.delete(runId);
      this.entries.set(runId, entry);
    }
    return entry;
  }
}
