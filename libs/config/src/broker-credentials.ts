/** Settings a role that talks to RabbitMQ has: the URL, and credentials that may come apart from it. */
export interface BrokerCredentials {
  brokerUrl: string;
  brokerUsername: string;
  brokerPassword: string;
  /** How long a service keeps trying the first connection (ms). */
  brokerWaitMs: number;
}

/**
 * The broker URL with PFF_BROKER_USERNAME / PFF_BROKER_PASSWORD written into it,
 * percent-encoded (so `@`, `:`, `/`, `%` are safe; the settings admit printable ASCII
 * only, which is what amqplib decodes faithfully). In Kubernetes the URL names the host
 * (a ConfigMap) and the credentials come from the RabbitMQ operator's Secret.
 */
export function withBrokerCredentials<T extends Partial<BrokerCredentials>>(config: T): T {
  const { brokerUrl, brokerUsername, brokerPassword } = config;
  if (!brokerUrl || (!brokerUsername && !brokerPassword)) return config;
  const url = new URL(brokerUrl);
  if (brokerUsername) url.username = encodeURIComponent(brokerUsername);
  if (brokerPassword) url.password = encodeURIComponent(brokerPassword);
  return { ...config, brokerUrl: url.toString() };
}
