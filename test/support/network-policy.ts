// The NetworkPolicy rules of networking.k8s.io/v1, evaluated for one connection: what a
// CNI that enforces policies would let through. Enough of the API for PFF's policies:
// pod and namespace selectors, named and numbered ports, both directions.
import { selects, type K8sObject } from './k8s.js';

type Selector = Parameters<typeof selects>[0];

export interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Named container ports (a policy may name them). */
  readonly ports?: Record<string, number>;
}

/** Something outside the cluster (a user, the internet). */
export const EXTERNAL = { name: 'external' } as const;
export type Peer = Pod | typeof EXTERNAL;

interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
}
interface Rule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

const namespaceLabels = (namespace: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': namespace });

function peerMatches(peer: PolicyPeer, policyNamespace: string, candidate: Peer): boolean {
  if (!('namespace' in candidate)) return peer.ipBlock?.cidr === '0.0.0.0/0';
  if (peer.ipBlock) return false;
  const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels(candidate.namespace)) : candidate.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, candidate.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: PolicyPort[] | undefined, destination: Peer, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.port === port;
    return 'namespace' in destination && destination.ports?.[p.port] === port;
  });
}

function policiesFor(policies: readonly K8sObject[], pod: Pod, type: 'Ingress' | 'Egress'): Array<{ namespace: string; spec: PolicySpec }> {
  return policies
    .map((p) => ({ namespace: p.metadata.namespace ?? 'default', spec: p.spec as unknown as PolicySpec }))
    .filter(({ namespace, spec }) => {
      const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      return namespace === pod.namespace && types.includes(type) && selects(spec.podSelector, pod.labels);
    });
}

/** Whether `from` may open a connection to `to` on `port`: egress from the source and ingress to the destination both allow it. */
export function allowed(policies: readonly K8sObject[], from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
  const egressOk = (): boolean => {
    if (!('namespace' in from)) return true;
    const applying = policiesFor(policies, from, 'Egress');
    if (applying.length === 0) return true;
    return applying.some(({ namespace, spec }) =>
      (spec.egress ?? []).some((rule) => (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, namespace, to))) && portMatches(rule.ports, to, port, protocol)));
  };
  const ingressOk = (): boolean => {
    if (!('namespace' in to)) return true;
    const applying = policiesFor(policies, to, 'Ingress');
    if (applying.length === 0) return true;
    return applying.some(({ namespace, spec }) =>
      (spec.ingress ?? []).some((rule) => (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, namespace, from))) && portMatches(rule.ports, to, port, protocol)));
  };
  return egressOk() && ingressOk();
}
