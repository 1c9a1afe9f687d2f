import { ROLE_SETTINGS, settingEnvNames } from '@pff/config';

type Env = Readonly<Record<string, string | undefined>>;

/** Every PFF_ name some role reads (the union: one ConfigMap may serve several roles). */
const KNOWN = new Set(Object.values(ROLE_SETTINGS).flatMap((schema) => settingEnvNames(schema)));

/**
 * What Kubernetes writes into every pod for each Service of the namespace ("service
 * links"): the Service `pff-api` gives PFF_API_SERVICE_HOST, PFF_API_PORT_8080_TCP_ADDR, …
 */
const SERVICE_LINK = /_(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)?)$/;

/**
 * One warning per PFF_ variable that no role reads, with the setting it was likely meant
 * to be. A warning, not a refusal: Kubernetes adds PFF_ names of its own (service links,
 * left alone here), and a ConfigMap shared by several roles holds names only some read.
 */
export function unknownSettingWarnings(env: Env): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('PFF_') && !KNOWN.has(name) && !SERVICE_LINK.test(name))
    .sort()
    .map((name) => {
      const near = nearestSetting(name);
      return `${name} is not a PFF setting; it is ignored${near ? ` (did you mean ${near}?)` : ''}`;
    });
}

function nearestSetting(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN) {
    const distance = editDistance(name, known);
    if (distance <= 3 && (!best || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * A broker URL that passed the config's check but that no URL parser takes (`amqp://[::1`,
 * a port over 65535) fails only where the transport parses it, as a bare TypeError. This
 * says which setting it was, without the URL (it may hold a password).
 */
export function badBrokerUrlMessage(error: unknown, args: readonly string[], env: Env): string | undefined {
  const { code, input } = (error ?? {}) as { code?: unknown; input?: unknown };
  if (code !== 'ERR_INVALID_URL' || typeof input !== 'string') return undefined;
  const flag = args.findIndex((a) => a === '--broker' || a.startsWith('--broker='));
  const fromFlag = flag < 0 ? undefined : args[flag]!.startsWith('--broker=') ? args[flag]!.slice('--broker='.length) : args[flag + 1];
  if (input === fromFlag) return 'invalid configuration: --broker: is not a valid URL (amqp://user:password@host:5672/vhost)';
  if (input === env['PFF_BROKER_URL']) return 'invalid configuration: brokerUrl (PFF_BROKER_URL): is not a valid URL (amqp://user:password@host:5672/vhost)';
  return undefined;
}
