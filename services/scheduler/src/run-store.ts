import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Type from 'typebox';
import Value from 'typebox/value';
import { decodeFrame, encodeFrame, InvalidSpecError, MessageError, PipelineSummarySchema, RUN_ID_PATTERN, RunSpecSchema, RunStatusSchema, TrainSummarySchema, parseRunSpec, type NamedTensor, type RunSpec } from '@pff/contracts';
import type { FFNetwork } from '@pff/ff-core';
import { loadModel, MODEL_FILE, ModelFileError, saveModel, type SavedModel } from '@pff/model-io';
import type { Float32Map } from './types.js';

const RunRecordSchema = Type.Object({
  runId: Type.String({ pattern: RUN_ID_PATTERN }),
  name: Type.Optional(Type.String()),
  spec: RunSpecSchema,
  status: RunStatusSchema,
  attempt: Type.Integer({ minimum: 0 }),
  createdAt: Type.String(),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
  chaptersDone: Type.Integer({ minimum: 0 }),
  history: Type.Array(Type.Unknown()),
  /** When each history record was made (ISO time), one per record. */
  historyTimes: Type.Optional(Type.Array(Type.String())),
  trainSeconds: Type.Number({ minimum: 0 }),
  evalSeconds: Type.Number({ minimum: 0 }),
  layers: PipelineSummarySchema.properties.layers,
  summary: Type.Optional(TrainSummarySchema),
  error: Type.Optional(Type.String()),
});

/** What the scheduler keeps of a run between chapters and across restarts. */
export type RunRecord = Type.Static<typeof RunRecordSchema>;

/** A parsed run.json that is a record of run `runId` (its directory), or a RunStoreError naming the file and the problem. */
function checkRecord(parsed: unknown, file: string, runId: string): RunRecord {
  const [first] = Value.Errors(RunRecordSchema, parsed);
  if (first) throw new RunStoreError(file, `is not a run record: ${first.instancePath || '/'} ${first.message}`);
  const record = parsed as RunRecord;
  if (record.runId !== runId) throw new RunStoreError(file, `holds run ${record.runId}, but its directory is run ${runId}'s`);
  try {
    // The schema checks each field; the spec's rules across fields (chapters divide epochs, ...) too.
    parseRunSpec(record.spec);
  } catch (error) {
    if (error instanceof InvalidSpecError) throw new RunStoreError(file, `has an invalid spec: ${error.message}`, { cause: error });
    throw error;
  }
  return record;
}

export class RunStoreError extends Error {
  readonly code = 'PFF_RUN_STORE';
  constructor(readonly file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'RunStoreError';
  }
}

/**
 * The scheduler's on-disk run store: `<dir>/<runId>/run.json` (the record), `checkpoint/`
 * (the network after the last finished chapter; `checkpoint.prev/`, the one before) and
 * `model/` (the trained network). Every file is written whole or not at all (write, then
 * rename), so a process killed at any moment leaves a store it can resume from. Records are cached
 * in memory (this store is their only writer), so reading a run costs no disk access.
 */
export class RunStore {
  private readonly cache = new Map<string, RunRecord>();
  private scanned = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(runId: string, ...parts: string[]): string {
    if (!new RegExp(RUN_ID_PATTERN).test(runId)) throw new RunStoreError(runId, 'is not a run id');
    return join(this.dir, runId, ...parts);
  }

  has(runId: string): boolean {
    return this.cache.has(runId) || existsSync(this.path(runId, 'run.json'));
  }

  save(record: RunRecord): void {
    const file = this.path(record.runId, 'run.json');
    mkdirSync(this.path(record.runId), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 1));
    renameSync(`${file}.tmp`, file);
    this.cache.set(record.runId, record);
  }

  get(runId: string): RunRecord {
    const cached = this.cache.get(runId);
    if (cached) return cached;
    const file = this.path(runId, 'run.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new RunStoreError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'is not valid JSON', { cause: error });
    }
    const record = checkRecord(parsed, file, runId);
    this.cache.set(runId, record);
    return record;
  }

  /** Every readable record; unreadable ones are reported (on the first call, which reads the disk), not fatal. */
  list(onError: (error: RunStoreError) => void = () => undefined): RunRecord[] {
    if (!this.scanned) {
      for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || !existsSync(join(this.dir, entry.name, 'run.json'))) continue;
        try {
          this.get(entry.name);
        } catch (error) {
          if (error instanceof RunStoreError) onError(error);
          else throw error;
        }
      }
      this.scanned = true;
    }
    return [...this.cache.values()];
  }

  /**
   * Writes the network into `<which>.tmp/`, then swaps it in by renames only, keeping the
   * one it replaces as `<which>.prev/`: whenever the process dies, a whole directory
   * exists that matches the record (which is saved after the checkpoint, so for a moment
   * the record is one chapter behind the new checkpoint and matches the previous one).
   */
  async saveNetwork(
    runId: string, which: 'checkpoint' | 'model', spec: RunSpec, network: FFNetwork, metadata: Record<string, unknown> = {}, optimizer: readonly NamedTensor[] = [],
  ): Promise<void> {
    const target = this.path(runId, which);
    const staged = `${target}.tmp`;
    const previous = `${target}.prev`;
    rmSync(staged, { recursive: true, force: true });
    await saveModel(staged, spec, network, metadata);
    // The workers' optimizer state (a PFF frame of named tensors), so a resumed run trains on exactly.
    if (optimizer.length > 0) writeFileSync(join(staged, OPTIMIZER_FILE), encodeFrame({ kind: 'optimizer-state' }, optimizer));
    // No `target` (a swap was cut short): `previous` is the one the record matches; keep it.
    if (existsSync(target)) {
      rmSync(previous, { recursive: true, force: true });
      renameSync(target, previous);
    }
    renameSync(staged, target);
  }

  /**
   * The weights of the checkpoint the run's record describes (its `chaptersDone`): the
   * latest, or the one before when the process died between writing a checkpoint and
   * its record. ModelFileError naming the file when neither is whole and matching.
   */
  loadCheckpoint(runId: string): { spec: RunSpec; weights: Float32Map; optimizer: NamedTensor[] } {
    const { chaptersDone } = this.get(runId);
    const target = this.path(runId, 'checkpoint');
    let failure: ModelFileError | null = null;
    for (const dir of [target, `${target}.prev`]) {
      let saved: SavedModel;
      try {
        saved = loadModel(dir);
      } catch (error) {
        if (!(error instanceof ModelFileError)) throw error;
        failure ??= error;
        continue;
      }
      const chapter = saved.metadata['chaptersDone'];
      const matches = chapter === undefined || chapter === chaptersDone;
      const weights = matches ? new Map(saved.network.namedWeights().map(([name, v]) => [name, v.dataSync().slice() as Float32Array])) : null;
      saved.network.dispose();
      if (weights) return { spec: parseRunSpec(saved.spec), weights, optimizer: readOptimizerState(dir) };
      failure ??= new ModelFileError(join(dir, MODEL_FILE), `is the checkpoint after chapter ${JSON.stringify(chapter)}, the run record says ${chaptersDone}`);
    }
    throw failure!;
  }

  modelDir(runId: string): string {
    return this.path(runId, 'model');
  }
}

/** The optimizer state file of a checkpoint (absent from checkpoints written before it existed). */
export const OPTIMIZER_FILE = 'optimizer.bin';

function readOptimizerState(dir: string): NamedTensor[] {
  const file = join(dir, OPTIMIZER_FILE);
  if (!existsSync(file)) return [];
  try {
    return [...decodeFrame(readFileSync(file)).tensors.values()].map((t) => ({ ...t, data: t.data.slice() }));
  } catch (error) {
    throw new ModelFileError(file, error instanceof MessageError ? error.reason : String(error));
  }
}
