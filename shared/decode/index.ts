export { decodeBase64 } from './base64.ts';
export {
  DECODER_COMPONENT,
  type DecodedBatch,
  type DecodeOptions,
  decodeBatch,
  type PartitionRange,
} from './decode-batch.ts';
export type { KafkaEvent, KafkaEventHeader, KafkaEventRecord, KafkaSchemaMetadata } from './event.ts';
export { EventSource } from './event.ts';
export { defaultDecoders, type ValueDecoder, ValueFormat } from './formats.ts';
export { headersAsBytes, headersAsText } from './headers.ts';
export { KafkaSourceRecord } from './source-record.ts';
