import type Type from 'typebox';
import Value from 'typebox/value';
import { decodeFrame, encodeFrame, type NamedTensor } from './frame.js';
import { MessageError } from './message-error.js';
import {
  ActivationBatchSchema,
  AdoptSchema,
  ClaimSchema,
  CommittedSchema,
  ControlReplySchema,
  ControlRequestSchema,
  DroppedEventSchema,
  HeartbeatEventSchema,
  HelloEventSchema,
  LeavingEventSchema,
  ParamsEventSchema,
  RunAnnouncementSchema,
  RunRequestSchema,
  ShareRequestSchema,
  TrainedEventSchema,
} from './schemas.js';

const SCHEMAS = {
  batch: ActivationBatchSchema,
  trained: TrainedEventSchema,
  dropped: DroppedEventSchema,
  hello: HelloEventSchema,
  heartbeat: HeartbeatEventSchema,
  params: ParamsEventSchema,
  share: ShareRequestSchema,
  adopt: AdoptSchema,
  claim: ClaimSchema,
  committed: CommittedSchema,
  leaving: LeavingEventSchema,
  run: RunAnnouncementSchema,
  'run-request': RunRequestSchema,
  control: ControlRequestSchema,
  'control-reply': ControlReplySchema,
} as const;

export type MessageKind = keyof typeof SCHEMAS;

export type MessageOf<K extends MessageKind> = K extends MessageKind ? Type.Static<(typeof SCHEMAS)[K]> : never;
export type AnyMessage = { [K in MessageKind]: MessageOf<K> }[MessageKind];

/**
 * Kinds whose frames always carry tensors (activations, weights). One that arrives
 * with none is refused here, whatever its receiver would make of it: a `params` event
 * outside a sharing round, say, is otherwise dropped unread, and not dead-lettered.
 */
const CARRY_TENSORS: ReadonlySet<string> = new Set<MessageKind>(['batch', 'params', 'adopt']);

/** A validated message and its tensors (which may share memory with the received bytes). */
export interface Decoded<M extends AnyMessage = AnyMessage> {
  readonly message: M;
  readonly tensors: ReadonlyMap<string, NamedTensor>;
}

export function encodeMessage(message: AnyMessage, tensors: readonly NamedTensor[] = []): Uint8Array {
  return encodeFrame(message as Record<string, unknown>, tensors);
}

/**
 * Decodes a frame and validates its header against the schema of its `kind`; with
 * `expected`, any other kind is refused. Throws MessageError naming the problem.
 */
export function decodeMessage<K extends MessageKind>(bytes: Uint8Array, expected?: readonly K[]): Decoded<MessageOf<K>> {
  const frame = decodeFrame(bytes);
  const header = { ...frame.header };
  delete header['tensors'];
  const kind = header['kind'];
  if (typeof kind !== 'string' || !(kind in SCHEMAS)) throw new MessageError(`unknown message kind ${JSON.stringify(kind)}`);
  if (expected && !expected.includes(kind as K)) throw new MessageError(`a ${kind} message does not belong on this queue`);
  const first = firstError(SCHEMAS[kind as MessageKind], header);
  if (first) {
    const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'header';
    throw new MessageError(`${kind}: ${field} ${first.message}`);
  }
  if (CARRY_TENSORS.has(kind) && frame.tensors.size === 0) throw new MessageError(`${kind}: carries no tensors`);
  return { message: header as MessageOf<K>, tensors: frame.tensors };
}

/**
 * The first thing wrong with `value`, if anything. A union of objects (the control
 * request's operations) is told apart by a field every branch fixes (`op`): an unknown
 * value of it is the error; otherwise the branch it names says what is wrong, not the
 * union's first branch (`op: "get"` with a bad run id is a bad run id, not a create
 * without a spec).
 */
function firstError(schema: Type.TSchema, value: unknown): { instancePath: string; message: string } | undefined {
  const [first] = Value.Errors(schema, value);
  const branches = (schema as { anyOf?: Array<{ properties?: Record<string, unknown> }> }).anyOf;
  if (!first || !branches || typeof value !== 'object' || value === null) return first;
  const fixed = (branch: (typeof branches)[number], key: string): unknown[] => {
    const property = branch.properties?.[key] as { const?: unknown; anyOf?: Array<{ const?: unknown }> } | undefined;
    return property?.const !== undefined ? [property.const] : (property?.anyOf ?? []).map((p) => p.const).filter((c) => c !== undefined);
  };
  const discriminator = Object.keys(branches[0]?.properties ?? {}).find(
    (key) => branches.every((b) => fixed(b, key).length > 0) && new Set(branches.flatMap((b) => fixed(b, key))).size > 1,
  );
  if (discriminator === undefined) return first;
  const chosen = (value as Record<string, unknown>)[discriminator];
  const named = branches.filter((b) => fixed(b, discriminator).includes(chosen));
  if (named.length === 0) {
    return { instancePath: `/${discriminator}`, message: `must be one of ${branches.flatMap((b) => fixed(b, discriminator)).join(', ')}` };
  }
  return named.map((branch) => [...Value.Errors(branch as Type.TSchema, value)]).sort((a, b) => a.length - b.length)[0]?.[0] ?? first;
}

/** The tensor `name` with exactly `shape`, or a MessageError. */
export function tensorOf(decoded: Decoded, name: string, shape: readonly number[], dtype: 'float32'): Float32Array;
export function tensorOf(decoded: Decoded, name: string, shape: readonly number[], dtype: 'int32'): Int32Array;
export function tensorOf(decoded: Decoded, name: string, shape: readonly number[], dtype: 'uint8'): Uint8Array;
export function tensorOf(decoded: Decoded, name: string, shape: readonly number[], dtype: 'float32' | 'int32' | 'uint8'): NamedTensor['data'] {
  const tensor = decoded.tensors.get(name);
  if (!tensor) throw new MessageError(`${decoded.message.kind}: tensor ${name} is missing`);
  const ok = tensor.shape.length === shape.length && tensor.shape.every((n, i) => n === shape[i]);
  if (!ok) throw new MessageError(`${decoded.message.kind}: tensor ${name} has shape [${tensor.shape.join(',')}], expected [${shape.join(',')}]`);
  const actual = tensor.data instanceof Float32Array ? 'float32' : tensor.data instanceof Int32Array ? 'int32' : 'uint8';
  if (actual !== dtype) throw new MessageError(`${decoded.message.kind}: tensor ${name} is ${actual}, expected ${dtype}`);
  return tensor.data;
}
