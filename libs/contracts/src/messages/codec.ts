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
  const schema = SCHEMAS[kind as MessageKind];
  const [first] = Value.Errors(schema, header);
  if (first) {
    const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'header';
    throw new MessageError(`${kind}: ${field} ${first.message}`);
  }
  return { message: header as MessageOf<K>, tensors: frame.tensors };
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
