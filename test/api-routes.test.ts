// Every route of the experiments API and every error path, through Fastify's inject,
// over a real scheduler and real worker threads (embedded broker) training real MNIST.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '@pff/backend';
import { encodeMessage, parseRunSpec, RUN_REQUESTS_QUEUE } from '@pff/contracts';
import { API_TOKEN, assertErrorShape, AUTH, startApiFixture, startApiReplica, waitForRun, type ApiFixture } from './api-helpers.js';
import { mnist } from './pipeline-helpers.js';

// Local-softmax learns fastest: 2 epochs of 2,000 samples are enough to tell a digit.
const tiny = { layers: [100, 100], epochs: 2, trainLimit: 2000, objective: 'local-softmax', learningRate: 0.003, variant: 'single-layer', workers: 2, evalEvery: 1 };
type Json = Record<string, unknown>;

before(async () => {
  await initBackend('wasm');
});

describe('API routes', () => {
  let api: ApiFixture;
  let finished: Json & { id: string };
  before(async () => {
    api = await startApiFixture({ maxRuns: 1 });
  });
  after(async () => {
    await api.close();
  });
  const post = (url: string, payload?: unknown, headers: Record<string, string | undefined> = AUTH) =>
    api.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
  const get = (url: string, headers: Record<string, string | undefined> = AUTH) => api.app.inject({ method: 'GET', url, headers });

  it('health, metrics and the OpenAPI document need no token', async () => {
    assert.equal((await get('/healthz', {})).statusCode, 200, '/healthz');
    const ready = await get('/readyz', {});
    assert.equal(ready.statusCode, 200, `/readyz with a scheduler: ${ready.body}`);
    const metrics = await get('/metrics', {});
    assert.equal(metrics.statusCode, 200, '/metrics');
    assert.match(metrics.body, /pff_broker_connected\{role="api"\} 1/, 'broker state exported');
    const doc = (await get('/openapi.json', {})).json<{ paths: Record<string, unknown>; components: { securitySchemes: unknown } }>();
    for (const path of ['/runs', '/runs/{id}', '/runs/{id}/stop', '/runs/{id}/metrics/{key}/history', '/runs/{id}/model', '/runs/{id}/model/weights.bin', '/runs/{id}/predict']) {
      assert.ok(doc.paths[path], `OpenAPI documents ${path}`);
    }
    assert.ok(doc.components.securitySchemes, 'bearer auth documented');
    const ui = await get('/docs', {});
    assert.ok([200, 302].includes(ui.statusCode), `the OpenAPI UI answers (${ui.statusCode})`);
  });

  it('refuses requests without the bearer token (401)', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${API_TOKEN}` }, { authorization: 'Bearer ' }]) {
      const response = await get('/runs', headers);
      assert.equal(response.statusCode, 401, `401 for ${JSON.stringify(headers)}`);
      assert.equal(response.headers['www-authenticate'], 'Bearer', 'names the scheme');
    }
    assert.equal((await post('/runs', { spec: tiny }, {})).statusCode, 401, 'no run created without a token');
    for (const trick of ['/docs/../runs', '/docs/%2e%2e/runs', '/healthz/../runs', '/metrics/..%2Fruns', '/docs/static/../../runs']) {
      const response = await get(trick, {});
      assert.ok(response.statusCode >= 400 && !response.body.includes('"runs"'), `${trick} leads nowhere without a token (${response.statusCode})`);
    }
  });

  it('answers bad run requests with a 400 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /body\/spec is required/],
      [{ spec: { epoch: 3 } }, /body\/spec\/epoch is not a known field/],
      [{ spec: {}, extra: 1 }, /body\/extra is not a known field/],
      [{ spec: { neg: 'bogus' } }, /body\/spec\/neg must be one of random, fixed, adaptive/],
      [{ spec: { layers: [] } }, /body\/spec\/layers must NOT have fewer than 1 items/],
      [{ spec: { layers: [500, 'wide'] } }, /body\/spec\/layers\/1 must be integer/],
      [{ spec: { epochs: 5, chapters: 2 } }, /spec\.chapters: must divide epochs \(5\), got 2/],
      [{ spec: { variant: 'sequential', workers: 3 } }, /spec\.workers: the sequential variant runs exactly 1 worker/],
      [{ spec: { epochs: 101 } }, /spec\.epochs may be at most 100 here/],
      [{ spec: { layers: [500, 4096] } }, /spec\.layers\.1 may be at most 2048 units wide here/],
      [{ spec: { layers: [10, 10, 10, 10, 10, 10, 10, 10, 10] } }, /spec\.layers may have at most 8 layers here/],
      [{ spec: { batch: 2048 } }, /spec\.batch may be at most 1024 here/],
      [{ spec: { variant: 'all-layers', workers: 17 } }, /spec\.workers may be at most 16 here/],
      [{ spec: { variant: 'single-layer', workers: 4, layers: [50, 50, 50, 50] } }, /spec\.workers would split the layers into 4 pipeline stages; this deployment runs at most 3/],
      [{ spec: { variant: 'federated', workers: 5 } }, /spec\.workers a federated run needs 5 replicas of its stage at once; this deployment scales a stage to at most 4/],
      [{ spec: { dataset: 'cifar10' } }, /spec\.dataset must be one of mnist here/],
      [{ id: '../../etc/passwd', spec: {} }, /body\/id must match pattern/],
      [{ id: 'Upper-Case', spec: {} }, /body\/id must match pattern/],
      [{ name: 'x'.repeat(201), spec: {} }, /body\/name must NOT have more than 200 characters/],
    ];
    for (const [payload, message] of cases) {
      const response = await post('/runs', payload);
      assert.equal(response.statusCode, 400, `400 for ${JSON.stringify(payload)}: ${response.body}`);
      assert.match(response.json<{ message: string }>().message, message, JSON.stringify(payload));
    }
    const broken = await api.app.inject({ method: 'POST', url: '/runs', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"spec":' });
    assert.equal(broken.statusCode, 400, `invalid JSON: ${broken.body}`);
    const text = await api.app.inject({ method: 'POST', url: '/runs', headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'spec' });
    assert.equal(text.statusCode, 415, `not JSON: ${text.body}`);
    assert.match(text.json<{ message: string }>().message, /text\/plain/, 'names the media type');
    const huge = await api.app.inject({ method: 'POST', url: '/runs', headers: { ...AUTH, 'content-type': 'application/json' }, payload: `{"name":"${'x'.repeat(3 * 1024 * 1024)}"}` });
    assert.equal(huge.statusCode, 413, `oversized body: ${huge.body.slice(0, 200)}`);
    const list = (await get('/runs')).json<{ runs: unknown[] }>();
    assert.equal(list.runs.length, 0, 'no bad request created a run');
  });

  it('creates a run (201, Location), follows it to FINISHED, refuses a duplicate id (409)', { timeout: 240_000 }, async () => {
    const created = await post('/runs', { id: 'tiny-1', name: 'first tiny run', spec: tiny });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.headers.location, '/runs/tiny-1', 'Location of the new run');
    const run = created.json<Json>();
    assert.equal(run['id'], 'tiny-1', 'the client id is kept');
    assert.equal(run['name'], 'first tiny run', 'the name is kept');
    assert.ok(['SCHEDULED', 'RUNNING'].includes(run['status'] as string), `new run is ${String(run['status'])}`);
    assert.equal((run['spec'] as Json)['batch'], 64, 'the spec comes back with its defaults');
    assert.equal((run['spec'] as Json)['chapters'], 2, 'chapters default to the epochs');
    const duplicate = await post('/runs', { id: 'tiny-1', spec: tiny });
    assert.equal(duplicate.statusCode, 409, duplicate.body);
    finished = (await waitForRun(api, 'tiny-1', (r) => r.status === 'FINISHED')) as unknown as Json & { id: string };
    const progress = finished['progress'] as Json;
    assert.equal(progress['percent'], 100, 'a finished run is 100% done');
    assert.equal(progress['etaSeconds'], 0, 'nothing left to wait for');
    const metrics = finished['metrics'] as Json;
    assert.ok(typeof metrics['accuracy'] === 'number' && metrics['accuracy'] > 0.5, `latest accuracy reported: ${JSON.stringify(metrics)}`);
    assert.ok(typeof metrics['loss'] === 'number', 'latest loss reported');
    assert.ok(finished['startedAt'] && finished['finishedAt'], 'timestamps');
    const pipeline = finished['pipeline'] as { layers: Array<{ samples: number }> };
    assert.ok(pipeline.layers.every((l) => l.samples === 4000), `every layer trained every sample of both epochs: ${JSON.stringify(pipeline.layers)}`);
    const generated = await post('/runs', { spec: { ...tiny, epochs: 1 } });
    assert.equal(generated.statusCode, 201, generated.body);
    const id = generated.json<{ id: string }>().id;
    assert.match(id, /^run-[0-9a-f]{10}$/, 'an id is made up when none is given');
    assert.equal(generated.headers.location, `/runs/${id}`, 'Location of the generated id');
    await waitForRun(api, id, (r) => r.status === 'FINISHED');
  });

  it('GET /runs/:id: 404 for an unknown run, 400 for an id that is not one', async () => {
    const missing = await get('/runs/no-such-run');
    assert.equal(missing.statusCode, 404, missing.body);
    assert.match(missing.json<{ message: string }>().message, /run no-such-run does not exist/);
    for (const bad of ['Not_An_Id', '-dash', `${'a'.repeat(64)}`, 'a%2Fb', 'a%00']) {
      assert.equal((await get(`/runs/${bad}`)).statusCode, 400, `400 for id ${bad}`);
    }
    const dots = await get('/runs/%2e%2e');
    assert.ok([400, 404].includes(dots.statusCode), `a path trick is refused, never served: ${dots.statusCode}`);
  });

  it('lists runs newest first, pages with tokens, filters by status', async () => {
    const all = (await get('/runs')).json<{ runs: Array<{ id: string; createdAt: string }>; nextPageToken?: string }>();
    assert.equal(all.runs.length, 2, 'both runs listed');
    assert.equal(all.nextPageToken, undefined, 'one page holds them');
    assert.ok(all.runs[0]!.createdAt >= all.runs[1]!.createdAt, 'newest first');
    const first = (await get('/runs?limit=1')).json<{ runs: Array<{ id: string }>; nextPageToken?: string }>();
    assert.equal(first.runs.length, 1, 'limit=1');
    assert.ok(first.nextPageToken, 'a token for the next page');
    const second = (await get(`/runs?limit=1&pageToken=${first.nextPageToken}`)).json<{ runs: Array<{ id: string }>; nextPageToken?: string }>();
    assert.deepEqual([first.runs[0]!.id, second.runs[0]!.id], all.runs.map((r) => r.id), 'the pages make up the list, in order');
    assert.equal(second.nextPageToken, undefined, 'the last page has no token');
    const done = (await get('/runs?status=FINISHED')).json<{ runs: unknown[] }>();
    assert.equal(done.runs.length, 2, 'status filter: finished');
    assert.equal((await get('/runs?status=KILLED')).json<{ runs: unknown[] }>().runs.length, 0, 'status filter: killed');
    for (const query of ['status=DONE', 'limit=0', 'limit=101', 'limit=ten', 'pageToken=!!', `pageToken=${Buffer.from('["x","../y"]').toString('base64url')}`, 'pageToken=e30', 'bogus=1']) {
      const response = await get(`/runs?${query}`);
      assert.equal(response.statusCode, 400, `400 for ?${query}: ${response.body}`);
      assert.match(response.json<{ message: string }>().message, /querystring/, `names the query parameter for ?${query}`);
    }
  });

  it('serves metric histories by key', async () => {
    const accuracy = (await get('/runs/tiny-1/metrics/accuracy/history')).json<{ key: string; points: Array<{ step: number; epoch: number; value: number; timestamp: string }> }>();
    assert.equal(accuracy.points.length, 2, 'evaluated after each of 2 epochs');
    assert.deepEqual(accuracy.points.map((p) => p.epoch), [1, 2], 'epochs in order');
    assert.equal(accuracy.points[1]!.value, (finished['metrics'] as Json)['accuracy'], 'the latest point is the run\'s accuracy');
    assert.ok(!Number.isNaN(Date.parse(accuracy.points[0]!.timestamp)), 'timestamps');
    const layer = (await get('/runs/tiny-1/metrics/layer.1.goodnessPositive/history')).json<{ points: unknown[] }>();
    assert.equal(layer.points.length, 2, 'per-layer metric');
    const unknown = await get('/runs/tiny-1/metrics/precision/history');
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.match(unknown.json<{ message: string }>().message, /has no metric precision; it has accuracy, loss/);
    assert.equal((await get('/runs/no-such-run/metrics/loss/history')).statusCode, 404, 'unknown run');
    assert.equal((await get('/runs/tiny-1/metrics/a$b/history')).statusCode, 400, 'a key that is not one');
  });

  it('downloads the trained model and predicts with it', async () => {
    const model = await get('/runs/tiny-1/model');
    assert.equal(model.statusCode, 200, model.body);
    const manifest = model.json<{ weightsManifest: Array<{ paths: string[]; weights: Array<{ shape: number[] }> }> }>();
    assert.deepEqual(manifest.weightsManifest[0]!.paths, ['model/weights.bin'], 'weights path relative to the model URL');
    const weights = await get('/runs/tiny-1/model/weights.bin');
    assert.equal(weights.statusCode, 200, 'weights download');
    assert.equal(weights.headers['content-type'], 'application/octet-stream', 'binary');
    const bytes = manifest.weightsManifest[0]!.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(weights.rawPayload.length, bytes, 'as many bytes as the manifest describes');

    const test = mnist(1000).test;
    const rows = 50;
    const inputs = Array.from({ length: rows }, (_, r) => Array.from(test.images.subarray(r * 784, (r + 1) * 784)));
    const predicted = await post('/runs/tiny-1/predict', { inputs });
    assert.equal(predicted.statusCode, 200, predicted.body.slice(0, 300));
    const predictions = predicted.json<{ predictions: Array<{ label: number; scores: number[] }> }>().predictions;
    assert.equal(predictions.length, rows, 'a prediction per input');
    assert.ok(predictions.every((p) => p.scores.length === 10 && p.label === p.scores.indexOf(Math.max(...p.scores))), 'label = highest score');
    const correct = predictions.filter((p, r) => p.label === test.labels[r]).length;
    assert.ok(correct / rows > 0.5, `predictions mostly right: ${correct}/${rows}`);

    const bad: Array<[unknown, RegExp]> = [
      [{ inputs: [[1, 2, 3]] }, /body\/inputs\/0 has 3 values; the model takes 784/],
      [{ inputs: [[...inputs[0]!.slice(1), 300]] }, /body\/inputs\/0\/783 must be <= 255/],
      [{ inputs: [[...inputs[0]!.slice(1), -1]] }, /body\/inputs\/0\/783 must be >= 0/],
      [{ inputs: [[...inputs[0]!.slice(1), 'x']] }, /body\/inputs\/0\/783 must be number/],
      [{ inputs: [] }, /body\/inputs must NOT have fewer than 1 items/],
      [{ inputs: Array.from({ length: 257 }, () => [0]) }, /body\/inputs must NOT have more than 256 items/],
      [{}, /body\/inputs is required/],
    ];
    for (const [payload, message] of bad) {
      const response = await post('/runs/tiny-1/predict', payload);
      assert.equal(response.statusCode, 400, `400 for a bad predict body: ${response.body.slice(0, 200)}`);
      assert.match(response.json<{ message: string }>().message, message);
    }
    const nan = await api.app.inject({ method: 'POST', url: '/runs/tiny-1/predict', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"inputs":[[NaN]]}' });
    assert.equal(nan.statusCode, 400, 'NaN is not JSON');
    assert.equal((await get('/runs/no-such-run/model')).statusCode, 404, 'model of an unknown run');
    assert.equal((await post('/runs/no-such-run/predict', { inputs: [[0]] })).statusCode, 404, 'predict with an unknown run');
  });

  it('stops waiting and running runs (KILLED), idempotently; a finished run stays FINISHED', { timeout: 120_000 }, async () => {
    const long = { ...tiny, epochs: 20, trainLimit: 20000, evalEvery: 0 };
    assert.equal((await post('/runs', { id: 'long-1', spec: long })).statusCode, 201, 'long run created');
    assert.equal((await post('/runs', { id: 'waiting-1', spec: long })).statusCode, 201, 'second run created');
    await waitForRun(api, 'long-1', (r) => r.status === 'RUNNING');
    const waiting = (await get('/runs/waiting-1')).json<{ status: string }>();
    assert.equal(waiting.status, 'SCHEDULED', 'one run at a time here: the second waits');
    for (const id of ['waiting-1', 'waiting-1', 'long-1', 'long-1']) {
      const stopped = await post(`/runs/${id}/stop`);
      assert.equal(stopped.statusCode, 200, stopped.body);
      assert.equal(stopped.json<{ status: string }>().status, 'KILLED', `${id} is KILLED`);
    }
    const killed = (await get('/runs/long-1')).json<{ status: string; finishedAt?: string }>();
    assert.equal(killed.status, 'KILLED', 'stays KILLED');
    assert.ok(killed.finishedAt, 'a killed run has an end time');
    const model = await get('/runs/long-1/model');
    assert.equal(model.statusCode, 409, 'a killed run has no model');
    assert.match(model.json<{ message: string }>().message, /is KILLED; its model exists once it has FINISHED/);
    assert.equal((await post('/runs/long-1/predict', { inputs: [[0]] })).statusCode, 409, 'nor predictions');
    const again = await post('/runs/tiny-1/stop');
    assert.equal(again.json<{ status: string }>().status, 'FINISHED', 'stopping a finished run changes nothing');
    assert.equal((await post('/runs/no-such-run/stop')).statusCode, 404, 'stop an unknown run');
    assert.equal((await get('/runs?status=KILLED')).json<{ runs: unknown[] }>().runs.length, 2, 'both listed as KILLED');
  });

  it('shows why a run failed', { timeout: 60_000 }, async () => {
    // Straight onto the scheduler's request queue (past the API's limits): a dataset this machine lacks.
    const request = { kind: 'run-request' as const, runId: 'broken-1', spec: { ...parseRunSpec({ ...tiny, dataset: 'cifar10' }), layers: [100, 100] } };
    await api.cluster.transport.send(RUN_REQUESTS_QUEUE, encodeMessage(request));
    const failed = await waitForRun(api, 'broken-1', (r) => r.status === 'FAILED', 30_000);
    assert.match(String(failed['error']), /CIFAR-10 needs --data-dir/, `the error says why: ${String(failed['error'])}`);
    assert.ok(failed['finishedAt'], 'a failed run has an end time');
    assert.equal((await get('/runs/broken-1/model')).statusCode, 409, 'no model');
  });

  it('counts requests by route pattern in /metrics', async () => {
    const metrics = (await get('/metrics', {})).body;
    const counted = metrics.split('\n').filter((l) => l.startsWith('pff_http_request_duration_seconds_count{'));
    assert.ok(counted.some((l) => l.includes('route="/runs/:id"') && l.includes('status_code="200"') && l.includes('method="GET"')), 'route patterns, not URLs');
    assert.doesNotMatch(metrics, /route="\/runs\/tiny-1"/, 'no run id in a label');
  });
});

describe('API without a scheduler', () => {
  it('answers 503 naming the problem, and recovers once a scheduler runs', { timeout: 60_000 }, async (t) => {
    const api = await startApiFixture({ startScheduler: false, timeoutMs: 2000 });
    t.after(() => api.close());
    const started = performance.now();
    const response = await api.app.inject({ method: 'GET', url: '/runs', headers: AUTH });
    assert.equal(response.statusCode, 503, response.body);
    assert.match(response.json<{ message: string }>().message, /no scheduler is running/);
    assert.equal(response.headers['retry-after'], '5', 'says when to retry');
    assert.ok(performance.now() - started < 1500, 'fails fast when nobody listens');
    assert.equal((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, 'not ready');
    const create = await api.app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { id: 'later', spec: tiny } });
    assert.equal(create.statusCode, 503, 'no run accepted while nobody can take it');
    await api.scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const recovered = await api.app.inject({ method: 'GET', url: '/runs', headers: AUTH });
    assert.equal(recovered.statusCode, 200, `recovers by itself: ${recovered.body}`);
    assert.equal(recovered.json<{ runs: unknown[] }>().runs.length, 0, 'the refused create did not happen later');
    assert.equal((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready again');
  });
});

describe('a bound on runs waiting or training (PFF_MAX_QUEUED_RUNS)', () => {
  it('refuses creates beyond it with 429 naming the bound, the same through every API replica, and loses nothing accepted', { timeout: 120_000 }, async (t) => {
    const api = await startApiFixture({ maxRuns: 1, maxQueuedRuns: 3 });
    t.after(() => api.close());
    const replica = await startApiReplica(api.cluster.transport);
    t.after(() => replica.close());
    const long = { ...tiny, epochs: 20, trainLimit: 20000, evalEvery: 0 };
    const create = (app: ApiFixture['app'], id: string) => app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { id, spec: long } });
    const get = (id: string) => api.app.inject({ method: 'GET', url: `/runs/${id}`, headers: AUTH });

    // Eight creates at once, half through each replica: the scheduler counts them all.
    const ids = Array.from({ length: 8 }, (_, i) => `queued-${i}`);
    const answers = await Promise.all(ids.map((id, i) => create(i % 2 === 0 ? api.app : replica.app, id)));
    const accepted = ids.filter((_, i) => answers[i]!.statusCode === 201);
    const refused = answers.filter((a) => a.statusCode === 429);
    assert.equal(accepted.length, 3, `exactly the bound accepted: ${answers.map((a) => a.statusCode).join(' ')}`);
    assert.equal(refused.length, 5, 'the rest refused');
    for (const answer of refused) {
      assertErrorShape(answer, 'a create beyond the bound');
      assert.match(answer.json<{ message: string }>().message, /3 runs are waiting or training, the most this deployment takes \(PFF_MAX_QUEUED_RUNS=3\)/);
      assert.equal(answer.headers['retry-after'], '60', 'says when to try again');
    }
    for (const id of ids) {
      const run = await get(id);
      if (accepted.includes(id)) assert.ok(['SCHEDULED', 'RUNNING'].includes(run.json<{ status: string }>().status), `${id} was accepted and is kept: ${run.body.slice(0, 200)}`);
      else assert.equal(run.statusCode, 404, `${id} was refused and never created`);
    }

    // A run request already on the scheduler's queue was accepted before: it is taken, bound or not.
    const request = { kind: 'run-request' as const, runId: 'queued-direct', spec: { ...parseRunSpec(long), layers: [100, 100] } };
    await api.cluster.transport.send(RUN_REQUESTS_QUEUE, encodeMessage(request));
    await waitForRun(api, 'queued-direct', (r) => r.status === 'SCHEDULED' || r.status === 'RUNNING', 10_000);

    // A place opens when a run ends: four active, stop two, one create fits.
    for (const id of accepted.slice(0, 2)) assert.equal((await api.app.inject({ method: 'POST', url: `/runs/${id}/stop`, headers: AUTH })).statusCode, 200, `stop ${id}`);
    assert.equal((await create(replica.app, 'queued-after')).statusCode, 201, 'a place opened');
    assert.equal((await create(api.app, 'queued-over')).statusCode, 429, 'and is taken');
    assert.equal((await create(api.app, accepted[2]!)).statusCode, 409, 'a duplicate id is still a 409, full or not');
    for (const id of [accepted[2]!, 'queued-direct', 'queued-after']) await api.app.inject({ method: 'POST', url: `/runs/${id}/stop`, headers: AUTH });
  });
});
