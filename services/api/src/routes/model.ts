import * as tf from '@tensorflow/tfjs-core';
import Type from 'typebox';
import { MODEL_FILE, WEIGHTS_FILE, type ModelFiles } from '@pff/model-io';
import type { ApiApp, RouteDeps } from '../app-types.js';
import { ERROR_RESPONSES, ModelJsonSchema, PredictBodySchema, PredictResponseSchema, RunParamsSchema } from '../schemas.js';

/** GET /runs/:id/model (model.json), GET /runs/:id/model/weights.bin, POST /runs/:id/predict. */
export function registerModelRoutes(app: ApiApp, deps: RouteDeps): void {
  const { scheduler, models } = deps;

  /** The run's model files, from the cache or the scheduler; otherwise the scheduler's answer (404, 409…). */
  const filesOf = async (runId: string): Promise<ModelFiles | { status: number; body: unknown }> => {
    const cached = models.files(runId);
    if (cached) return cached;
    const answer = await scheduler.request({ op: 'model', runId });
    const weights = answer.tensors.get('weights');
    const body = answer.body as { modelJson?: unknown };
    if (answer.status !== 200 || !weights || !(weights.data instanceof Uint8Array) || typeof body.modelJson !== 'string') return answer;
    const files = { modelJson: body.modelJson, weights: weights.data.slice() };
    models.put(runId, files);
    return files;
  };

  app.get('/runs/:id/model', {
    schema: {
      summary: `The trained model's ${MODEL_FILE} (tfjs weights manifest; its weights path is relative to this URL)`,
      tags: ['models'], params: RunParamsSchema, response: { 200: ModelJsonSchema, ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const files = await filesOf(request.params.id);
    if (!('modelJson' in files)) return reply.code(files.status).send(files.body as never);
    const manifest = JSON.parse(files.modelJson) as { weightsManifest: { paths: string[] }[] };
    for (const group of manifest.weightsManifest) group.paths = [`model/${WEIGHTS_FILE}`];
    return manifest as never;
  });

  app.get(`/runs/:id/model/${WEIGHTS_FILE}`, {
    schema: {
      summary: 'The trained model\'s weights (float32, little-endian, in manifest order)', tags: ['models'], params: RunParamsSchema,
      response: { 200: Type.String({ format: 'binary', description: 'application/octet-stream' }), ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const files = await filesOf(request.params.id);
    if (!('modelJson' in files)) return reply.code(files.status).send(files.body as never);
    return reply.type('application/octet-stream').send(Buffer.from(files.weights) as never);
  });

  app.post('/runs/:id/predict', {
    schema: {
      summary: 'Classify inputs (raw pixel values 0–255, one row per image) with the run\'s trained model',
      tags: ['models'], params: RunParamsSchema, body: PredictBodySchema, response: { 200: PredictResponseSchema, ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const runId = request.params.id;
    const files = await filesOf(runId);
    if (!('modelJson' in files)) return reply.code(files.status).send(files.body as never);
    const model = models.network(runId)!;
    const { inputs } = request.body;
    const inputSize = model.network.config.inputSize;
    const bad = inputs.findIndex((row) => row.length !== inputSize);
    if (bad >= 0) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `body/inputs/${bad} has ${inputs[bad]!.length} values; the model takes ${inputSize}` });
    }
    const scores = tf.tidy(() => model.network.scores(tf.tensor2d(inputs.flat(), [inputs.length, inputSize])));
    const rows = scores.arraySync() as number[][];
    scores.dispose();
    const argmax = (row: number[]): number => row.reduce((best, v, k) => (v > row[best]! ? k : best), 0);
    return { predictions: rows.map((row) => ({ label: argmax(row), scores: row })) };
  });
}
