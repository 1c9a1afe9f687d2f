import type convict from 'convict';
import type { BrokerCredentials } from './broker-credentials.js';
import { loadConfig } from './load.js';
import { serviceRoleSettings } from './service-settings.js';

/** What one run may ask for: a request beyond these is refused (400) before it reaches the scheduler. */
export interface RunLimits {
  maxLayers: number;
  maxLayerWidth: number;
  maxEpochs: number;
  maxBatch: number;
  maxWorkers: number;
  /** Pipeline stages a run may span: in Kubernetes, the layer-worker Deployments there are. */
  maxStages: number;
  /** Replicas one stage may have at once: in Kubernetes, its ScaledObject's maxReplicaCount. */
  maxStageReplicas: number;
  datasets: string[];
}

/** Requests one client (its bearer token, else its address) may make per window, per API instance. */
export interface RateLimit {
  /** 0 = no limit. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
}

export interface ApiConfig extends RunLimits, RateLimit, BrokerCredentials {
  persistentMessages: boolean;
  maxMessageBytes: number;
  port: number;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  apiToken: string;
  requestTimeoutMs: number;
  readCacheMs: number;
  defaultWorkers: number;
}

const positive = (doc: string, def: number, env: string): convict.SchemaObj<number> => ({ doc, default: def, env, format: 'positive-whole' });

export const apiTokenSetting: convict.SchemaObj<string> = {
  doc: 'bearer token every API request but health and metrics must carry (a Kubernetes Secret)',
  default: '',
  env: 'PFF_API_TOKEN',
  sensitive: true,
  format: (value: unknown) => {
    if (typeof value !== 'string' || value.length < 16) throw new Error('must be set, at least 16 characters');
  },
};

/** The API's run limits and scheduler timeout (shared by `pff api` and `pff serve`). */
export const apiSettings = {
  requestTimeoutMs: positive('how long the API waits for the scheduler before answering 503', 10_000, 'PFF_REQUEST_TIMEOUT_MS'),
  defaultWorkers: {
    doc: 'a run whose spec names neither variant nor workers trains single-layer over this many workers (at most one per layer); 0 or 1 = the spec defaults (sequential)',
    format: 'whole', default: 0, env: 'PFF_DEFAULT_WORKERS',
  } as convict.SchemaObj<number>,
  rateLimitMax: {
    doc: 'requests one client (by bearer token, else by address) may make per window and API instance; more are answered 429 with Retry-After (0 = no limit; probes and /metrics are never limited)',
    format: 'whole', default: 600, env: 'PFF_RATE_LIMIT_MAX',
  } as convict.SchemaObj<number>,
  rateLimitWindowMs: positive('the rate limit\'s window, in ms', 60_000, 'PFF_RATE_LIMIT_WINDOW_MS'),
  readCacheMs: { doc: 'identical reads within this many ms share one scheduler round trip (0 = none)', format: 'whole', default: 500, env: 'PFF_API_READ_CACHE_MS' } as convict.SchemaObj<number>,
  maxLayers: positive('most hidden layers a run may have', 8, 'PFF_MAX_LAYERS'),
  maxLayerWidth: positive('widest hidden layer a run may have', 2048, 'PFF_MAX_LAYER_WIDTH'),
  maxEpochs: positive('most epochs a run may train', 100, 'PFF_MAX_EPOCHS'),
  maxBatch: positive('largest batch a run may use', 1024, 'PFF_MAX_BATCH'),
  maxWorkers: positive('most workers a run may ask for', 16, 'PFF_MAX_WORKERS'),
  maxStages: positive('most pipeline stages a run may span (Kubernetes: one layer-worker Deployment per stage)', 8, 'PFF_MAX_STAGES'),
  maxStageReplicas: positive('most replicas one stage may have at once (Kubernetes: the ScaledObjects\' maxReplicaCount); a federated run needs one per worker', 16, 'PFF_MAX_STAGE_REPLICAS'),
  datasets: { doc: 'datasets runs may use (comma-separated)', format: Array, default: ['mnist', 'cifar10'], env: 'PFF_DATASETS' } as convict.SchemaObj<string[]>,
};

/** The settings of the API (`pff api`), each with its PFF_ environment name. */
export const apiServiceSettings: convict.Schema<ApiConfig> = {
  ...serviceRoleSettings,
  apiToken: apiTokenSetting,
  ...apiSettings,
};

/** Settings of the API (`pff api`). */
export function loadApiConfig(env: Readonly<Record<string, string | undefined>>): Readonly<ApiConfig> {
  return loadConfig<ApiConfig>(apiServiceSettings, env);
}
