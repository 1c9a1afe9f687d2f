import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Debian's package (`apt-get install prometheus`) puts it here; the harness takes no other. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface ScrapeTarget {
  readonly job: string;
  /** `host:port` of the endpoint. */
  readonly address: string;
  /** Defaults to `/metrics`. */
  readonly metricsPath?: string;
}

export type Labels = Readonly<Record<string, string>>;

/** `/api/v1/query`'s `data`: sample values come as strings (`"NaN"`, `"+Inf"` included). */
export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: readonly { readonly metric: Labels; readonly value: readonly [number, string] }[] }
  | { readonly resultType: 'matrix'; readonly result: readonly { readonly metric: Labels; readonly values: readonly (readonly [number, string])[] }[] }
  | { readonly resultType: 'scalar' | 'string'; readonly result: readonly [number, string] };

export interface Prometheus {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Holds the config and the TSDB; removed by close(). */
  readonly directory: string;
  /** Evaluates `expr` now; rejects with Prometheus's own message (a parse error, say). */
  query(expr: string): Promise<QueryResult>;
  /** Polls `expr` until it returns at least one series or sample; rejects after timeoutMs with the last result. */
  waitForResult(expr: string, timeoutMs?: number): Promise<QueryResult>;
  /** Resolves when every configured target has been scraped successfully; rejects naming each target's last error. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s, then removes the directory. Idempotent. */
  close(): Promise<void>;
}

interface ApiReply<T> {
  readonly status: 'success' | 'error';
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
}

interface TargetsData {
  readonly activeTargets: readonly { readonly scrapePool: string; readonly scrapeUrl: string; readonly health: string; readonly lastError: string }[];
}

/**
 * Starts a real Prometheus (Debian's 2.42) that scrapes `targets` every
 * `scrapeIntervalSeconds`, in a temporary directory, on a free loopback port, so that
 * tests can check that metrics and dashboard queries work in Prometheus itself. The
 * first scrape comes about 5 s after start: Prometheus applies discovered targets at
 * most every 5 s (not a flag in 2.42), so wait with waitForTargetsUp or waitForResult.
 */
export async function startPrometheus(options: { readonly targets: readonly ScrapeTarget[]; readonly scrapeIntervalSeconds?: number }): Promise<Prometheus> {
  if (!existsSync(PROMETHEUS_BINARY)) throw new Error(`no ${PROMETHEUS_BINARY}: install Debian's prometheus (apt-get install -y prometheus)`);
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  // JSON is YAML, so the config needs no YAML writer.
  const config = JSON.stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    scrape_configs: scrapeConfigs(options.targets),
  }, null, 2);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const directory = mkdtempSync(join(tmpdir(), 'pff-prometheus-'));
  const configFile = join(directory, 'prometheus.json');
  writeFileSync(configFile, config);
  const child = spawn(PROMETHEUS_BINARY, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(directory, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  // A test process that exits without close() (a failed before hook, say) takes Prometheus with it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    process.off('exit', killOnExit);
    resolve();
  }));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= stop(child, exited).finally(() => {
    process.off('exit', killOnExit);
    rmSync(directory, { recursive: true, force: true });
  }));

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const reply = (await response.json()) as ApiReply<T>;
    if (reply.status !== 'success' || reply.data === undefined) throw new Error(`prometheus ${path.split('?')[0]}: ${reply.errorType ?? response.status}: ${reply.error ?? 'no data'}`);
    return reply.data;
  };
  const query = (expr: string): Promise<QueryResult> => api<QueryResult>(`/api/v1/query?query=${encodeURIComponent(expr)}`);

  // Prometheus scrapes a job's identical addresses once.
  const expectedTargets = new Set(options.targets.map((t) => `${t.job} ${t.address}`)).size;
  try {
    await Promise.race([waitUntilReady(url, child, () => stderr), spawnError]);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    url,
    directory,
    query,
    async waitForResult(expr, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await query(expr);
        if (!isEmpty(result)) return result;
        if (Date.now() > deadline) throw new Error(`prometheus: no result for ${expr} within ${timeoutMs} ms: ${JSON.stringify(result)}`);
        await sleep(250);
      }
    },
    async waitForTargetsUp(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { activeTargets } = await api<TargetsData>('/api/v1/targets?state=active');
        if (activeTargets.length === expectedTargets && activeTargets.every((t) => t.health === 'up')) return;
        if (Date.now() > deadline) {
          const states = activeTargets.map((t) => `${t.scrapePool} ${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`);
          throw new Error(`prometheus: targets not up within ${timeoutMs} ms: ${states.join('; ') || 'none active'}`);
        }
        await sleep(200);
      }
    },
    close,
  };
}

function scrapeConfigs(targets: readonly ScrapeTarget[]): object[] {
  const jobs = new Map<string, { path: string; addresses: string[] }>();
  for (const t of targets) {
    const path = t.metricsPath ?? '/metrics';
    const job = jobs.get(t.job) ?? { path, addresses: [] };
    if (job.path !== path) throw new Error(`prometheus: job ${t.job} has targets on two metrics paths (${job.path}, ${path})`);
    job.addresses.push(t.address);
    jobs.set(t.job, job);
  }
  return [...jobs].map(([job, { path, addresses }]) => ({ job_name: job, metrics_path: path, static_configs: [{ targets: addresses }] }));
}

function isEmpty(result: QueryResult): boolean {
  return (result.resultType === 'vector' || result.resultType === 'matrix') && result.result.length === 0;
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr()}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus not ready within ${timeoutMs} ms: ${stderr()}`);
    await sleep(100);
  }
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(escalate);
}

/** A port free on 127.0.0.1 a moment ago (another process may take it before Prometheus does; unlikely on a test machine). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
