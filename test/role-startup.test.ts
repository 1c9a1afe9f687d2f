// A role started before its broker (as a pod may be): it waits PFF_BROKER_WAIT_MS, saying
// so; a SIGTERM meanwhile (the pod deleted) ends it at once with exit code 0; when the wait
// runs out it exits non-zero with an error that names the broker, never its password.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const BIN = join(import.meta.dirname, '..', 'bin', 'pff.mjs');
const RUN_DIR = mkdtempSync(join(tmpdir(), 'pff-startup-'));
after(() => rmSync(RUN_DIR, { recursive: true, force: true }));

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function startRole(role: string, env: Record<string, string>): { stderr: () => string; exited: Promise<number | null>; kill: () => void; until: (pattern: RegExp) => Promise<void> } {
  const child = spawn(process.execPath, [BIN, role], { env: { ...process.env, PFF_PORT: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of waiters.splice(0)) if (w.pattern.test(stderr)) w.resolve(); else waiters.push(w);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    stderr: () => stderr,
    exited,
    kill: () => child.kill('SIGTERM'),
    until: (pattern) => (pattern.test(stderr) ? Promise.resolve() : new Promise((resolve) => waiters.push({ pattern, resolve }))),
  };
}

for (const role of ['worker', 'scheduler', 'api']) {
  it(`pff ${role} waiting for its broker stops at once on SIGTERM, exit 0`, { timeout: 60_000 }, async () => {
    const port = await closedPort();
    const p = startRole(role, { PFF_BROKER_URL: `amqp://127.0.0.1:${port}`, PFF_BROKER_PASSWORD: 'very-secret-pw', PFF_BROKER_WAIT_MS: '60000', PFF_API_TOKEN: 'role-startup-token-0123', PFF_RUN_DIR: RUN_DIR });
    await p.until(/trying again in/);
    const asked = Date.now();
    p.kill();
    assert.equal(await p.exited, 0, `exit code 0:\n${p.stderr()}`);
    assert.ok(Date.now() - asked < 5000, `stopped within ${Date.now() - asked} ms of SIGTERM`);
    assert.match(p.stderr(), /stopped before it was ready/);
    assert.ok(!p.stderr().includes('very-secret-pw'), 'the password never printed');
  });
}

it('pff worker gives up when the wait runs out: non-zero, the broker named, the password hidden', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  const started = Date.now();
  const p = startRole('worker', { PFF_BROKER_URL: `amqp://guest:very-secret-pw@127.0.0.1:${port}`, PFF_BROKER_WAIT_MS: '1500' });
  const code = await p.exited;
  assert.notEqual(code, 0, 'a failed start-up is an error');
  assert.ok(Date.now() - started >= 1500, 'it waited the whole PFF_BROKER_WAIT_MS');
  assert.match(p.stderr(), new RegExp(`cannot connect to the broker at amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
  assert.ok(!p.stderr().includes('very-secret-pw'), 'the password never printed');
});
