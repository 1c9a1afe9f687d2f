// Property-based fuzzing of every route of the experiments API (fast-check), through
// Fastify's inject, over a real scheduler and worker threads on the embedded broker, so
// creates, reads and predictions go the whole way. Whatever comes in (bodies, query
// strings, path segments, content types), the API answers below 500, in its JSON error
// shape, and keeps answering. The seed is fixed: a failure prints it with the path of
// the smallest failing request, and reruns the same.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { BODY_LIMIT_BYTES } from '@pff/api';
import { initBackend } from '@pff/backend';
import { API_TOKEN, assertErrorShape, AUTH, startApiFixture, waitForRun, type ApiApp, type ApiFixture } from './api-helpers.js';
import { mnist } from './pipeline-helpers.js';

const SEED = 20_261_127;
/** Requests per route (about 40 routes with HEAD), more where a body comes in: the whole fuzz stays well under a minute. */
const RUNS_PER_ROUTE = 100;
const RUNS_PER_POST_ROUTE = 300;
const MODEL_RUN = 'fuzz-model';
/** What a file read through a path trick would show: /etc/passwd, the repository's package.json, a raw run record. */
const FILE_MARKERS = ['root:x:0:', '"workspaces"', '"chaptersDone"', '"devDependencies"'];
const PATH_TRICKS = [
  '..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2fpackage.json', '..%5c..%5cpackage.json', '%252e%252e',
  '%c0%ae%c0%ae', '%00', 'a%00b', `${MODEL_RUN}%00`, `${MODEL_RUN}%2f..`, '%2F', '.', '~', '%', '%zz', '%e2%80%ae', 'run%0d%0aset-cookie:x',
];

interface Route {
  readonly method: string;
  readonly path: string;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Every route the app serves, with each method, from Fastify's own route table: one
 * radix tree a method, whose node labels make up the paths (a label with its method
 * in brackets ends a route).
 */
function routesOf(app: ApiApp): Route[] {
  return METHODS.flatMap((method) => {
    const routes: Route[] = [];
    const stack: string[] = [];
    for (const line of app.printRoutes({ method }).split('\n')) {
      const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)( \([A-Z, ]+\))?$/.exec(line);
      if (!match) continue;
      const depth = match[1]!.length / 4;
      stack.length = depth;
      stack.push(`${stack[depth - 1] ?? ''}${match[2]!}`);
      if (match[3]) routes.push({ method, path: stack[depth]! });
    }
    return routes;
  });
}

const validId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/);
/** A path segment: a good id a third of the time, else path tricks, unicode, any code point, very long. */
const segment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: validId, weight: 2 },
  fc.constantFrom(...PATH_TRICKS, 'no-such-run'),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
  fc.integer({ min: 60, max: 20_000 }).map((n) => 'a'.repeat(n)),
);

const query: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.dictionary(
    fc.oneof(fc.constantFrom('status', 'limit', 'pageToken', '__proto__', 'constructor'), fc.string({ maxLength: 10 })),
    fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer().map(String), fc.constantFrom('RUNNING', 'FINISHED', '0', '100', '101', '-1', '1e3', 'NaN', '0x10', 'e30')),
    { maxKeys: 4 },
  ).map((params) => `?${new URLSearchParams(params).toString()}`),
  fc.constantFrom('?%', '?%zz', '?&&&==', '?limit=1&limit=2', '?a[b]=1', '?__proto__[x]=1', '?limit=%00', '?status=RUNNING&status=FINISHED', `?pageToken=${'A'.repeat(5000)}`),
);

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  fc.constant(undefined),
  fc.constantFrom(
    'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=utf-16', 'application/jsonx', 'text/plain',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', '', 'application/problem+json',
  ),
  printable,
);

/** Run requests near the valid ones (small, so those accepted train in a second), with arbitrary values mixed in. */
const runBody = fc.record(
  {
    id: fc.oneof({ arbitrary: validId, weight: 3 }, segment, fc.anything()),
    name: fc.oneof({ arbitrary: fc.string({ unit: 'grapheme', maxLength: 250 }), weight: 3 }, fc.anything()),
    spec: fc.tuple(
      fc.record({ layers: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }), epochs: fc.constant(1), trainLimit: fc.integer({ min: 64, max: 256 }), objective: fc.constant('local-softmax') }),
      fc.oneof(
        { arbitrary: fc.constant({}), weight: 2 },
        fc.dictionary(fc.constantFrom('layers', 'epochs', 'batch', 'neg', 'classifier', 'variant', 'workers', 'seed', 'norm', 'learningRate', 'coolDown', 'unknownField'), fc.anything(), { maxKeys: 2 }),
      ),
    ).map(([valid, odd]) => ({ ...valid, ...odd })),
  },
  { requiredKeys: [] },
);

const pixel = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.double(), fc.constantFrom('12', 'x', null, true, -1, 256, 1e308), fc.anything());
const predictBody = fc.record(
  {
    inputs: fc.oneof(
      { arbitrary: fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 784, maxLength: 784 }), { minLength: 1, maxLength: 2 }), weight: 3 },
      { arbitrary: fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 800 }), { minLength: 1, maxLength: 3 }), weight: 2 },
      fc.array(fc.array(pixel, { maxLength: 800 }), { maxLength: 3 }),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

/** A body: mostly one near what the route takes, else any JSON, broken JSON, text or bytes. */
const bodyFor = (route: Route): fc.Arbitrary<string | Buffer | undefined> => fc.oneof(
  { arbitrary: (route.path.endsWith('/predict') ? predictBody : runBody).map((b) => JSON.stringify(b)), weight: 8 },
  fc.constant(undefined),
  fc.json(),
  fc.constantFrom('{"spec":', '{"inputs":[[NaN]]}', '{"inputs":[[Infinity]]}', '{"inputs":[[1e400]]}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null', '[]', '""', '{}'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
);

const authorization = fc.constantFrom<Record<string, string>>(AUTH, AUTH, AUTH, AUTH, AUTH, {}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${API_TOKEN}` });

/** Path parameters: half the time the trained run and a metric it has (to get past validation), else any segment. */
const parameters = fc.record({
  id: fc.oneof(fc.constant(MODEL_RUN), segment),
  key: fc.oneof(fc.constantFrom('loss', 'accuracy', 'layer.0.loss', 'precision'), segment),
  rest: segment,
});

/** One fuzzed request to `route`: its parameters filled in from `parameters`. */
const requestTo = (route: Route) => fc.record({
  url: fc.tuple(parameters, query).map(([p, q]) => `${route.path.replace(':id', p.id).replace(':key', p.key).replace('*', p.rest)}${q}`),
  contentType,
  authorization,
  body: bodyFor(route),
});

/** What every answer must be: no 5xx, an error in the API's shape, no file from the disk. */
function checkAnswer(method: string, url: string, response: { statusCode: number; body: string }): void {
  const what = `${method} ${url.slice(0, 200)}`;
  assert.ok(response.statusCode < 500, `${what}: ${response.statusCode} ${response.body.slice(0, 300)}`);
  if (response.statusCode >= 400 && method !== 'HEAD') assertErrorShape(response, what);
  for (const marker of FILE_MARKERS) assert.ok(!response.body.includes(marker), `${what}: the answer shows a file (${marker})`);
}

before(async () => {
  await initBackend('wasm');
});

describe('API fuzzing', () => {
  let api: ApiFixture;
  let routes: Route[];
  before(async () => {
    // Accepted fuzz runs are tiny and train one at a time; at most 4 wait (more get 429).
    api = await startApiFixture({ maxRuns: 1, maxQueuedRuns: 4 });
    const created = await api.app.inject({
      method: 'POST', url: '/runs', headers: AUTH,
      payload: { id: MODEL_RUN, spec: { layers: [32], epochs: 1, trainLimit: 512, objective: 'local-softmax', learningRate: 0.003 } },
    });
    assert.equal(created.statusCode, 201, created.body);
    await waitForRun(api, MODEL_RUN, (r) => r.status === 'FINISHED', 120_000);
    routes = routesOf(api.app);
  });
  after(async () => {
    await api.close();
  });

  it('finds every route the app serves, those the OpenAPI document describes among them', async () => {
    const document = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const listed = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) assert.ok(listed.has(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`), `${method} ${path} is fuzzed`);
    }
    for (const probe of ['/healthz', '/readyz', '/metrics']) assert.ok(listed.has(`GET ${probe}`), `${probe} is fuzzed`);
    assert.ok(routes.length >= 30, `every route with every method: ${routes.length}`);
  });

  it('answers arbitrary requests to every route below 500, errors in the API\'s shape, and reaches each route', { timeout: 120_000 }, async (t) => {
    const statuses = new Map<string, number>();
    for (const [i, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(requestTo(route), async ({ url, contentType: type, authorization: auth, body: payload }) => {
          const headers = { ...auth, ...(type === undefined ? {} : { 'content-type': type }) };
          const response = await api.app.inject({ method: route.method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
          checkAnswer(route.method, url, response);
          const key = `${route.method} ${route.path} ${response.statusCode}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }),
        { seed: SEED + i, numRuns: route.method === 'POST' ? RUNS_PER_POST_ROUTE : RUNS_PER_ROUTE },
      );
    }
    t.diagnostic(`answers (route status count): ${[...statuses].map(([k, n]) => `${k} ${n}`).join('; ')}`);
    // The fuzz went the whole way, not only into validation: runs were created (and refused once 4 waited), models read, predictions made.
    for (const expected of ['POST /runs 201', 'POST /runs 429', 'GET /runs 200', 'GET /runs/:id 200', 'POST /runs/:id/predict 200', 'GET /runs/:id/model 200']) {
      assert.ok(statuses.has(expected), `the fuzz got a ${expected}`);
    }
    // Each route was matched (not only 404s next to it): the API counts requests by the route they matched.
    const metrics = (await api.app.inject({ method: 'GET', url: '/metrics' })).body.split('\n').filter((l) => l.startsWith('pff_http_request_duration_seconds_count{'));
    for (const { method, path } of routes) {
      // Fastify names `/docs/` by the prefix it was registered under, `/docs`.
      const names = [path, path.replace(/(.)\/$/, '$1')];
      assert.ok(metrics.some((l) => l.includes(`method="${method}"`) && names.some((name) => l.includes(`route="${name}"`))), `${method} ${path} was reached by the fuzz`);
    }
  });

  it('keeps answering afterwards: alive, ready, and the model still predicts', async () => {
    assert.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, '/healthz');
    assert.equal((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, '/readyz');
    assert.equal((await api.app.inject({ method: 'GET', url: '/runs', headers: AUTH })).statusCode, 200, 'GET /runs');
    const row = Array.from(mnist(100).test.images.subarray(0, 784));
    const predicted = await api.app.inject({ method: 'POST', url: `/runs/${MODEL_RUN}/predict`, headers: AUTH, payload: { inputs: [row] } });
    assert.equal(predicted.statusCode, 200, predicted.body.slice(0, 300));
  });

  it('refuses bodies over the limit with 413 on every route that takes one', async () => {
    const oversized = `{"inputs":[[${'0,'.repeat(BODY_LIMIT_BYTES / 2)}0]]}`;
    assert.ok(oversized.length > BODY_LIMIT_BYTES, 'over the limit');
    for (const route of routes.filter((r) => r.method === 'POST')) {
      const url = route.path.replace(':id', MODEL_RUN);
      const response = await api.app.inject({ method: 'POST', url, headers: { ...AUTH, 'content-type': 'application/json' }, payload: oversized });
      assert.equal(response.statusCode, 413, `${url}: ${response.body.slice(0, 200)}`);
      assertErrorShape(response, url);
    }
  });

  it('refuses ids with path tricks (400 or 404) on every route that takes an id, and never reads a file', async () => {
    const withId = routes.filter((r) => r.path.includes(':id') && r.method !== 'HEAD');
    assert.ok(withId.length >= 6, 'the run routes');
    for (const route of withId) {
      for (const trick of [...PATH_TRICKS, 'a'.repeat(64), 'a'.repeat(10_000), 'Upper', '-dash', '%F0%9F%98%80']) {
        const url = route.path.replace(':id', trick).replace(':key', 'loss');
        const response = await api.app.inject({ method: route.method as 'GET', url, headers: AUTH, ...(route.method === 'POST' ? { payload: { inputs: [[0]] } } : {}) });
        assert.ok([400, 404].includes(response.statusCode), `${route.method} ${url.slice(0, 100)}: ${response.statusCode} ${response.body.slice(0, 200)}`);
        checkAnswer(route.method, url, response);
      }
    }
    for (const trick of ['/docs/static/..%2f..%2f..%2fpackage.json', '/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json', '/docs/..%2f..%2f..%2f..%2fetc%2fpasswd', '/docs/static/..%5c..%5cpackage.json']) {
      const response = await api.app.inject({ method: 'GET', url: trick });
      assert.ok([400, 401, 403, 404].includes(response.statusCode), `${trick}: ${response.statusCode}`);
      checkAnswer('GET', trick, response);
    }
  });

  it('refuses predict inputs of the wrong length, or that are not numbers from 0 to 255, with a 400 that names the value', async () => {
    const row = (value: string): string => `{"inputs":[[${Array.from({ length: 783 }, () => '0').join(',')},${value}]]}`;
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ inputs: [Array(783).fill(0)] }), /body\/inputs\/0 has 783 values; the model takes 784/],
      [JSON.stringify({ inputs: [Array(784).fill(0), Array(785).fill(0)] }), /body\/inputs\/1 has 785 values; the model takes 784/],
      [row('NaN'), /not valid JSON/],
      [row('Infinity'), /not valid JSON/],
      [row('-Infinity'), /not valid JSON/],
      [row('1e400'), /body\/inputs\/0\/783 must be number/],
      [row('-1e400'), /body\/inputs\/0\/783 must be number/],
      [row('"12"'), /body\/inputs\/0\/783 must be number/],
      [row('"x"'), /body\/inputs\/0\/783 must be number/],
      [row('null'), /body\/inputs\/0\/783 must be number/],
      [row('true'), /body\/inputs\/0\/783 must be number/],
      [row('[1]'), /body\/inputs\/0\/783 must be number/],
      [row('256'), /body\/inputs\/0\/783 must be <= 255/],
      [row('255.5'), /body\/inputs\/0\/783 must be <= 255/],
      [row('-0.5'), /body\/inputs\/0\/783 must be >= 0/],
      ['{"inputs":[5]}', /body\/inputs\/0 must be array/],
      ['{"inputs":"[[0]]"}', /body\/inputs must be array/],
    ];
    for (const [payload, message] of cases) {
      const response = await api.app.inject({ method: 'POST', url: `/runs/${MODEL_RUN}/predict`, headers: { ...AUTH, 'content-type': 'application/json' }, payload });
      assert.equal(response.statusCode, 400, `${payload.slice(-40)}: ${response.body.slice(0, 200)}`);
      assertErrorShape(response, payload.slice(-40));
      assert.match(response.json<{ message: string }>().message, message, payload.slice(-40));
    }
    const spec = await api.app.inject({ method: 'POST', url: '/runs', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"spec":{"epochs":"1","trainLimit":64}}' });
    assert.equal(spec.statusCode, 400, `a number sent as a string is refused in a run spec too: ${spec.body}`);
    assert.match(spec.json<{ message: string }>().message, /body\/spec\/epochs must be integer/);
  });
});
