/**
 * What every conformance test needs: fresh transports and unique queue names that are
 * cleaned up afterwards, deadlines on every wait, and an inbox that collects what a
 * handler receives. Nothing here may wait without a deadline: a hung test is worse
 * than a failed one.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Transport } from '../../src/index.js';

export interface ConformanceOptions {
  /** Longest any single wait (a delivery, a state) may take; default 10 000 ms. */
  readonly waitMs?: number;
  /** How long to watch for something that must NOT happen; default 300 ms. */
  readonly quietMs?: number;
  /** Per-test timeout given to node:test; default 30 000 ms. */
  readonly testTimeoutMs?: number;
}

export interface Settings {
  readonly waitMs: number;
  readonly quietMs: number;
  readonly testTimeoutMs: number;
}

export function settingsOf(options: ConformanceOptions = {}): Settings {
  return {
    waitMs: options.waitMs ?? 10_000,
    quietMs: options.quietMs ?? 300,
    testTimeoutMs: options.testTimeoutMs ?? 30_000,
  };
}

/** What every queue and topic name made by this test process starts with (for clean-up of leftovers). */
export const TEST_NAME_PREFIX = `pff.test.${randomUUID().slice(0, 8)}.`;

/** A unique name, so tests never see each other's messages (on a shared broker too). */
export function uniqueName(kind: 'queue' | 'topic'): string {
  return `${TEST_NAME_PREFIX}${kind}.${randomUUID().slice(0, 8)}`;
}

/** Rejects with `what` if `promise` has not settled within `ms`; leaves no timer behind. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, or fails with `what` after `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(20);
  }
}

/** Polls `produce` until it returns something other than null, and returns that. */
export async function eventuallyValue<T>(produce: () => Promise<T | null>, ms: number, what: string): Promise<T> {
  let value: T | null = null;
  await eventually(async () => (value = await produce()) !== null, ms, what);
  return value as T;
}

/** The transports and names one test uses; closes and deletes them all when it ends. */
export interface Scope {
  transport(): Promise<Transport>;
  queue(): Promise<string>;
  readonly settings: Settings;
}

export function scopeOf(t: TestContext, makeTransport: () => Promise<Transport>, settings: Settings): Scope {
  const transports: Transport[] = [];
  const queues: string[] = [];
  const transport = async (): Promise<Transport> => {
    const made = await within(makeTransport(), settings.waitMs, 'makeTransport()');
    transports.push(made);
    return made;
  };
  t.after(async () => {
    const failures: unknown[] = [];
    for (const made of transports) await made.close().catch((error: unknown) => failures.push(error));
    if (queues.length > 0) {
      const cleaner = await within(makeTransport(), settings.waitMs, 'makeTransport() for clean-up');
      for (const queue of queues) await cleaner.deleteQueue(queue).catch((error: unknown) => failures.push(error));
      await cleaner.close();
    }
    if (failures.length > 0) throw new AggregateError(failures, 'clean-up failed');
  });
  return {
    settings,
    transport,
    async queue() {
      const name = uniqueName('queue');
      queues.push(name);
      const first = transports[0] ?? (await transport());
      await within(first.declareQueue(name), settings.waitMs, `declareQueue(${name})`);
      return name;
    },
  };
}

/** The common case: one transport and one declared queue, cleaned up when `t` ends. */
export interface QueueScope {
  readonly scope: Scope;
  readonly transport: Transport;
  readonly queue: string;
}

export async function oneQueue(t: TestContext, makeTransport: () => Promise<Transport>, settings: Settings): Promise<QueueScope> {
  const scope = scopeOf(t, makeTransport, settings);
  const transport = await scope.transport();
  return { scope, transport, queue: await scope.queue() };
}
