// Secrets are never printed: `pff api`, `pff scheduler` and `pff worker` run as processes
// on this machine's RabbitMQ (a virtual host and a user of the test's own, with a
// password made up for the run) with a known API token; requests are denied, refused,
// and carried out; connections fail on a wrong password; a setting is bad. Neither the
// token nor a password shows in any process's stdout or stderr, nor in any HTTP answer,
// /metrics included.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mnist } from './pipeline-helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'pff.mjs');
const unique = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;
const TOKEN = unique('secret-api-token');
const PASSWORD = unique('secret-broker-password');
const WRONG_PASSWORD = unique('wrong-broker-password');
const CHANGED_PASSWORD = unique('changed-broker-password');
const USER = unique('pff-secrets-user');
const VHOST = unique('pff-secrets');
/** What must never be seen: the token, the passwords, and guest's password inside a URL. */
const SECRETS = [TOKEN, PASSWORD, WRONG_PASSWORD, CHANGED_PASSWORD, 'guest:guest', ':guest@'];

function rabbitmqctl(args: string[], input?: string): void {
  const result = spawnSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  assert.equal(result.status, 0, `rabbitmqctl ${args[0]}: ${result.stderr}`);
}

/** A `pff <role>` process whose stdout and stderr are both kept. */
interface Role {
  readonly name: string;
  output(): string;
  /** Resolves with the first group of `pattern` once the output shows it. */
  until(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

function startRole(args: string[], env: Record<string, string>): Role {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PFF_PORT: '0', PFF_BACKEND: 'wasm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const grew: Array<() => void> = [];
  const take = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const wake of grew.splice(0)) wake();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => {
    for (const wake of grew.splice(0)) wake();
  });
  return {
    name: `pff ${args.join(' ')}`,
    output: () => output,
    exited,
    async until(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match[1] ?? match[0];
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pff ${args.join(' ')}: no ${String(pattern)} (exit ${String(child.exitCode)}):\n${output}`);
        await new Promise<void>((resolve) => {
          grew.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows a secret (${secret.slice(0, 12)}…):\n${text.slice(Math.max(0, text.indexOf(secret) - 300), text.indexOf(secret) + 100)}`);
}

describe('secrets are never printed', () => {
  const roles: Role[] = [];
  const runDir = mkdtempSync(join(tmpdir(), 'pff-secrets-'));
  before(() => {
    rabbitmqctl(['add_vhost', VHOST]);
    rabbitmqctl(['add_user', USER], PASSWORD);
    rabbitmqctl(['set_permissions', '-p', VHOST, USER, '.*', '.*', '.*']);
    rabbitmqctl(['set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*']);
  });
  after(async () => {
    await Promise.all(roles.map((r) => r.stop()));
    rabbitmqctl(['delete_user', USER]);
    rabbitmqctl(['delete_vhost', VHOST]);
    rmSync(runDir, { recursive: true, force: true });
  });
  const start = (args: string[], env: Record<string, string>): Role => {
    const role = startRole(args, { PFF_RUN_DIR: runDir, PFF_API_TOKEN: TOKEN, ...env });
    roles.push(role);
    return role;
  };

  it('in the roles\' output and in every answer, with the right credentials', { timeout: 180_000 }, async () => {
    const host = `127.0.0.1:5672/${encodeURIComponent(VHOST)}`;
    // Three ways to give the broker's credentials: apart from the URL (Kubernetes' Secret), in it, and guest's in it.
    const scheduler = start(['scheduler'], { PFF_BROKER_URL: `amqp://${host}`, PFF_BROKER_USERNAME: USER, PFF_BROKER_PASSWORD: PASSWORD });
    const worker = start(['worker', '--stage', '0'], { PFF_BROKER_URL: `amqp://${USER}:${PASSWORD}@${host}` });
    const api = start(['api'], { PFF_BROKER_URL: `amqp://guest:guest@${host}` });
    const ports = {
      scheduler: await scheduler.until(/scheduler ready; probes on :(\d+)/),
      worker: await worker.until(/ready; probes on :(\d+)/),
      api: await api.until(/listening on :(\d+)/),
    };
    const base = `http://127.0.0.1:${ports.api}`;
    const answers: string[] = [];
    const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; text: string }> => {
      const response = await fetch(`${base}${path}`, {
        method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      // What the server sent back (the request itself carries the token on purpose).
      answers.push(`${method} ${path.split('?')[0]!} -> ${response.status} ${JSON.stringify([...response.headers])} ${text}`);
      return { status: response.status, text };
    };
    const auth = { authorization: `Bearer ${TOKEN}` };

    // Denied: no token, a wrong one, the right one in the wrong scheme or the wrong place.
    assert.equal((await call('GET', '/runs')).status, 401);
    assert.equal((await call('GET', '/runs', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` })).status, 401, 'a token one character off');
    assert.equal((await call('GET', '/runs', { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` })).status, 401);
    assert.equal((await call('GET', '/runs', { authorization: TOKEN })).status, 401, 'no scheme');
    assert.equal((await call('GET', `/runs?access_token=${TOKEN}`)).status, 401, 'in the query, without the header');
    assert.equal((await call('GET', `/runs?access_token=${TOKEN}`, auth)).status, 400, 'an unknown query parameter');
    assert.equal((await call('POST', '/runs', auth, { spec: { epochs: 'many' }, token: TOKEN })).status, 400, 'a bad request that carries the token in its body');
    assert.equal((await call('GET', `/no-such-route?token=${TOKEN}`, auth)).status, 404);
    assert.equal((await call('GET', '/runs/Not-An-Id', auth)).status, 400);

    // Carried out, the whole way: a run created, trained by the worker, its model used.
    const id = unique('secrets-run').slice(0, 40);
    const created = await call('POST', '/runs', auth, { id, spec: { layers: [16], epochs: 1, trainLimit: 256, objective: 'local-softmax' } });
    assert.equal(created.status, 201, created.text);
    for (const until = Date.now() + 120_000; ;) {
      const run = await call('GET', `/runs/${id}`, auth);
      if ((JSON.parse(run.text) as { status: string }).status === 'FINISHED') break;
      assert.ok(Date.now() < until && !/FAILED|KILLED/.test(run.text), `the run finishes: ${run.text}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal((await call('GET', `/runs/${id}/model`, auth)).status, 200);
    assert.equal((await call('POST', `/runs/${id}/predict`, auth, { inputs: [Array.from(mnist(10).test.images.subarray(0, 784))] })).status, 200);
    assert.equal((await call('GET', '/runs', auth)).status, 200);
    for (const path of ['/metrics', '/healthz', '/readyz', '/openapi.json']) await call('GET', path, auth);
    const probes = await Promise.all([ports.scheduler, ports.worker].flatMap((port) => ['/metrics', '/healthz', '/readyz'].map(async (path) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return `:${port}${path} -> ${response.status} ${await response.text()}`;
    })));

    assertNoSecret([...answers, ...probes].join('\n'), 'an HTTP answer');
    assert.match(answers.join('\n'), /pff_http_request_duration_seconds_count/, 'the API\'s /metrics was read');
    assert.match(scheduler.output(), new RegExp(`run ${id}: finished`), 'the scheduler logged the run');

    // The password changes under the running roles and their connections drop: they print their failed reconnections.
    rabbitmqctl(['change_password', USER], CHANGED_PASSWORD);
    rabbitmqctl(['close_all_connections', '-p', VHOST, 'the password changed']);
    for (const role of [scheduler, worker]) await role.until(/(reconnection failed: .*)/);
    for (const role of [scheduler, worker, api]) {
      assert.equal(await role.stop(), 0, `${role.name} stops cleanly:\n${role.output()}`);
      assertNoSecret(role.output(), `${role.name}'s output`);
    }
  });

  it('when the broker refuses the password, or a setting is bad', { timeout: 60_000 }, async () => {
    const host = `127.0.0.1:5672/${encodeURIComponent(VHOST)}`;
    const wait = { PFF_BROKER_WAIT_MS: '2000' };
    const refused = [
      start(['scheduler'], { ...wait, PFF_BROKER_URL: `amqp://${host}`, PFF_BROKER_USERNAME: USER, PFF_BROKER_PASSWORD: WRONG_PASSWORD }),
      start(['worker'], { ...wait, PFF_BROKER_URL: `amqp://${USER}:${WRONG_PASSWORD}@${host}` }),
      start(['api'], { ...wait, PFF_BROKER_URL: `amqp://guest:${WRONG_PASSWORD}@${host}` }),
    ];
    for (const role of refused) {
      assert.notEqual(await role.exited, 0, `${role.name} gives up`);
      assert.match(role.output(), /amqp:\/\/[^:\s]+:\*\*\*@127\.0\.0\.1:5672/, `${role.name} names the broker, the password hidden:\n${role.output()}`);
      assert.match(role.output(), /ACCESS.REFUSED/, `${role.name} prints the broker's refusal:\n${role.output()}`);
      assertNoSecret(role.output(), `${role.name}'s output`);
    }
    const short = TOKEN.slice(0, 12);
    const badToken = startRole(['api'], { PFF_BROKER_URL: `amqp://${USER}:${PASSWORD}@${host}`, PFF_API_TOKEN: short });
    roles.push(badToken);
    assert.notEqual(await badToken.exited, 0, 'a token under 16 characters stops start-up');
    assert.match(badToken.output(), /PFF_API_TOKEN/, `the error names the setting:\n${badToken.output()}`);
    assert.ok(!badToken.output().includes(short), `the refused token is not shown:\n${badToken.output()}`);
    assertNoSecret(badToken.output(), 'a configuration error');
  });
});
