export { MessageError } from './message-error.js';
export { encodeFrame, decodeFrame, SCHEMA_VERSION, FRAME_MAGIC, type NamedTensor, type TensorData, type Frame } from './frame.js';
export { encodeMessage, decodeMessage, tensorOf, type Decoded, type MessageKind, type MessageOf, type AnyMessage } from './codec.js';
export * from './schemas.js';
export * from './names.js';
