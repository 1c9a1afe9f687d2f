// Bad settings, as an operator's typo would make them: every role (`pff api`,
// `pff scheduler`, `pff worker`, `pff train`) started as the real process must stop at
// start-up, within seconds, naming the PFF_ variable and what is wrong with its value,
// in a line or two without a stack trace, and never printing a secret.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BROKER_URL } from './pipeline-helpers.js';
import { startRoleProcess } from './support/role-process.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'pff.mjs');
const RUN_DIR = mkdtempSync(join(tmpdir(), 'pff-bad-config-'));
after(() => rmSync(RUN_DIR, { recursive: true, force: true }));

/** Secrets the processes are given; none may appear in what they print. */
const PASSWORD = 'Brok3r-Secret-pw';
const TOKEN = 'Api-T0ken-Secret-0123456789';
const BAD_TOKEN = 'shortSecret';
const BAD_PASSWORD = 'pässwört-Secret';
const SECRETS = [PASSWORD, TOKEN, BAD_TOKEN, BAD_PASSWORD];

type Role = 'api' | 'scheduler' | 'worker' | 'train';
const ARGS: Record<Role, string[]> = {
  api: ['api'],
  scheduler: ['scheduler'],
  worker: ['worker', '--stage', '0'],
  train: ['train', '--layers', '20', '--epochs', '1', '--train-limit', '200', '--batch', '50', '--json'],
};
const SERVICES: Role[] = ['api', 'scheduler', 'worker'];
const ALL: Role[] = [...SERVICES, 'train'];

/**
 * A valid environment: a broker URL and token with secrets in them. The broker refuses
 * the password, so a bad value that is taken shows as exit code 1 after a second.
 */
const VALID: Record<string, string> = {
  PFF_BROKER_URL: `amqp://guest:${PASSWORD}@127.0.0.1:5672`,
  PFF_BROKER_WAIT_MS: '1000',
  PFF_API_TOKEN: TOKEN,
  PFF_BACKEND: 'wasm',
  PFF_PORT: '0',
  PFF_RUN_DIR: RUN_DIR,
};

interface Case {
  readonly roles: readonly Role[];
  readonly env: Record<string, string>;
  /** The variable and the problem, as stderr must name them. */
  readonly says: RegExp;
  /** Set when the setting is still taken: what must change, and where. */
  readonly todo?: string;
}

const CASES: Case[] = [
  { roles: SERVICES, env: { PFF_PORT: 'abc' }, says: /port \(PFF_PORT\): must be a port number, 0 to 65535: value was "abc"/ },
  { roles: ['worker'], env: { PFF_PORT: '70000' }, says: /port \(PFF_PORT\): must be a port number, 0 to 65535: value was 70000/ },
  { roles: ['worker'], env: { PFF_PREFETCH: '-1' }, says: /prefetch \(PFF_PREFETCH\): must be a whole number, 0 or more: value was -1/ },
  { roles: ALL, env: { PFF_BACKEND: 'gpu' }, says: /backend \(PFF_BACKEND\): must be one of the possible values: .*value was "gpu"/ },
  // `pff train` takes an empty one too (the embedded broker), nothing else but an amqp(s) URL.
  { roles: ALL, env: { PFF_BROKER_URL: 'not-a-url' }, says: /brokerUrl \(PFF_BROKER_URL\): must be an amqp:\/\/ or amqps:\/\/ URL/ },
  // Passes the amqp:// check, fails to parse (was a TypeError with a stack trace, once).
  { roles: ALL, env: { PFF_BROKER_URL: `amqp://guest:${PASSWORD}@[::1:5672` }, says: /brokerUrl \(PFF_BROKER_URL\): is not a valid URL/ },
  { roles: ['worker', 'train'], env: { PFF_BROKER_URL: `amqp://guest:${PASSWORD}@127.0.0.1:99999` }, says: /brokerUrl \(PFF_BROKER_URL\): is not a valid URL/ },
  { roles: ['scheduler'], env: { PFF_BROKER_WAIT_MS: '-3' }, says: /brokerWaitMs \(PFF_BROKER_WAIT_MS\): must be a whole number, 0 or more: value was -3/ },
  { roles: ['api'], env: { PFF_MAX_MESSAGE_BYTES: '12' }, says: /maxMessageBytes \(PFF_MAX_MESSAGE_BYTES\): must be a whole number of bytes, at least 65536/ },
  { roles: ['scheduler'], env: { PFF_MAX_RUNS: 'x' }, says: /maxRuns \(PFF_MAX_RUNS\): must be a whole number, 0 or more: value was "x"/ },
  { roles: ['scheduler'], env: { PFF_COMMIT_EVERY: '0' }, says: /commitEvery \(PFF_COMMIT_EVERY\): must be a whole number from 1 to 256/ },
  { roles: ['api'], env: { PFF_API_TOKEN: BAD_TOKEN }, says: /apiToken \(PFF_API_TOKEN\): must be set, at least 16 characters/ },
  { roles: ['worker'], env: { PFF_BROKER_PASSWORD: BAD_PASSWORD }, says: /brokerPassword \(PFF_BROKER_PASSWORD\): must be printable ASCII/ },
  { roles: ['train'], env: { PFF_BROKER_URL: '', PFF_DATA_DIR: '/nonexistent/pff-data' }, says: /\/nonexistent\/pff-data: is not a directory/ },
  // convict's own formats convert before they check: parseInt('80abc') is 80, '1m' is 1 (ms),
  // and every string but "false" is true. libs/config's strict formats convert only a
  // value that is wholly a number, or true or false.
  { roles: ['worker'], env: { PFF_PORT: '80abc' }, says: /port \(PFF_PORT\): must be a port number, 0 to 65535: value was "80abc"/ },
  { roles: ['api'], env: { PFF_RATE_LIMIT_WINDOW_MS: '1m' }, says: /rateLimitWindowMs \(PFF_RATE_LIMIT_WINDOW_MS\): must be a whole number of at least 1: value was "1m"/ },
  { roles: ['worker', 'train'], env: { PFF_PERSISTENT_MESSAGES: 'no' }, says: /persistentMessages \(PFF_PERSISTENT_MESSAGES\): must be true or false: value was "no"/ },
];

interface Ended {
  readonly code: number | NodeJS.Signals;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `pff <args>` with only `env` (as a container has) until it exits, killing it after `limitMs`. */
function runToExit(args: readonly string[], env: Record<string, string>, limitMs: number): Promise<Ended> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stderr, ms: Date.now() - started });
    });
  });
}

describe('a bad setting stops the process at start-up, naming it', { concurrency: 2 }, () => {
  for (const c of CASES) {
    for (const role of c.roles) {
      const settings = Object.entries(c.env).filter(([, value]) => value !== '');
      it(`pff ${role} with ${settings.map(([name, value]) => `${name}=${value.replace(PASSWORD, '***')}`).join(' ')}`, { timeout: 30_000, ...(c.todo ? { todo: c.todo } : {}) }, async () => {
        const ended = await runToExit(ARGS[role], { ...VALID, ...(role === 'train' ? { PFF_BROKER_URL: '' } : {}), ...c.env }, 25_000);
        const { code, stderr, ms } = ended;
        assert.notEqual(code, 'SIGKILL', `still running after 25 s:\n${stderr}`);
        assert.equal(code, 2, `exit code 2 (bad input), got ${String(code)}:\n${stderr}`);
        // Generous for a loaded 2-core machine; what it rules out is a role that starts and
        // waits for its broker (PFF_BROKER_WAIT_MS, a minute in production).
        assert.ok(ms < 20_000, `stopped within ${ms} ms`);
        assert.match(stderr, c.says, 'names the variable and the problem');
        assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
        assert.ok(stderr.trim().split('\n').length <= 4, `a few lines, not a flood:\n${stderr}`);
        for (const secret of SECRETS) assert.ok(!stderr.includes(secret), `${secret} is never printed:\n${stderr}`);
      });
    }
  }
});

describe('unknown PFF_ variables', () => {
  it('warn with the setting they were likely meant to be, and the role still starts', { timeout: 60_000 }, async () => {
    const worker = await startRoleProcess(
      ['worker', '--stage', '0', '--port', '0', '--replica', 'bad-config-typo'],
      { PFF_BROKER_URL: BROKER_URL, PFF_BACKEND: 'wasm', PFF_PREFECH: '3', PFF_API_PORT_8080_TCP_ADDR: '10.0.0.7', PFF_API_SERVICE_HOST: '10.0.0.7' },
      /ready; probes on :(\d+)/,
    );
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.log());
    assert.match(worker.log(), /pff: warning: PFF_PREFECH is not a PFF setting; it is ignored \(did you mean PFF_PREFETCH\?\)/);
    assert.doesNotMatch(worker.log(), /PFF_API_PORT_8080_TCP_ADDR|PFF_API_SERVICE_HOST/, 'the names Kubernetes adds for the pff-api Service pass quietly');
  });
});
