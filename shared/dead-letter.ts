import { isUtf8 } from 'node:buffer';
import { setHeader } from './decode/headers.ts';
import type { DeadLetter } from './outputs/output.ts';
import type { FlowRecord, RecordHeader, SourceRecord } from './record.ts';

/** Context headers on every dead-letter message. */
export const DeadLetterHeader = {
  Flow: 'sluice.dlq.flow',
  Stage: 'sluice.dlq.stage',
  Component: 'sluice.dlq.component',
  ErrorClass: 'sluice.dlq.error-class',
  ErrorMessage: 'sluice.dlq.error-message',
  SourceTopic: 'sluice.dlq.source-topic',
  SourcePartition: 'sluice.dlq.source-partition',
  SourceOffset: 'sluice.dlq.source-offset',
  SourceTimestamp: 'sluice.dlq.source-timestamp',
  /** Present for a registry-framed record that could not be read: `SCHEMA_NOT_FOUND` or `DESERIALIZATION_ERROR`. */
  Reason: 'sluice.dlq.reason',
  /** Present when the dead-letter topic refused the full message: the original value's size in bytes. */
  ValueOmittedBytes: 'sluice.dlq.value-omitted-bytes',
  /** Present when it refused the message even without its value: the original key's size in bytes. */
  KeyOmittedBytes: 'sluice.dlq.key-omitted-bytes',
  /** Present with KeyOmittedBytes: the original headers' total size (names and values) in bytes. */
  HeadersOmittedBytes: 'sluice.dlq.headers-omitted-bytes',
  /**
   * Prefix under which dead letters written before issue 10 carried an original non-UTF-8 header, base64. No
   * longer written (original headers now travel as their bytes); kept so tools can read older dead letters.
   */
  HeaderBase64Prefix: 'sluice.dlq.header-base64.',
} as const;

/** Error messages can embed whole payloads; a header stays small. */
export const MAX_ERROR_MESSAGE_BYTES = 1024;

export interface KafkaMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character, marking the cut. */
export const truncateUtf8 = (text: string, maxBytes: number): string => {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '…[truncated]';
  let cut = text.slice(0, maxBytes);
  while (Buffer.byteLength(cut, 'utf8') > maxBytes - Buffer.byteLength(marker, 'utf8'))
    cut = cut.slice(0, -1);
  // Do not leave half a surrogate pair behind.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + marker;
};

const contextHeaders = (deadLetter: DeadLetter, flowName: string): [string, string][] => {
  const source = deadLetter.record.source;
  return [
    [DeadLetterHeader.Flow, flowName],
    [DeadLetterHeader.Stage, deadLetter.stage],
    [DeadLetterHeader.Component, deadLetter.component],
    [DeadLetterHeader.ErrorClass, deadLetter.error.name],
    [DeadLetterHeader.ErrorMessage, truncateUtf8(deadLetter.error.message, MAX_ERROR_MESSAGE_BYTES)],
    [DeadLetterHeader.SourceTopic, source.topic],
    [DeadLetterHeader.SourcePartition, String(source.partition)],
    [DeadLetterHeader.SourceOffset, String(source.offset)],
    [DeadLetterHeader.SourceTimestamp, String(source.timestamp)],
    ...reasonHeader(deadLetter.error),
  ];
};

const reasonHeader = (error: DeadLetter['error']): [string, string][] => {
  const reason = (error as { reason?: unknown }).reason;
  return typeof reason === 'string' ? [[DeadLetterHeader.Reason, reason]] : [];
};

/**
 * The dead-letter Kafka message, byte for byte: the original key, value and headers (binary ones included,
 * duplicates kept) followed by the context headers.
 */
export const deadLetterMessage = (deadLetter: DeadLetter, flowName: string): KafkaMessage => {
  const source = deadLetter.record.source;
  const context = contextHeaders(deadLetter, flowName).map(([key, value]) => ({
    key,
    value: Buffer.from(value, 'utf8'),
  }));
  return { key: source.key, value: source.value, headers: [...source.headers, ...context] };
};

/**
 * The dead letter as a record for the flow's dead-letter output (a topic output, which writes a Buffer value as
 * its bytes and reuses the source key bytes when the key is unchanged). Its header view is what decoding made of
 * the original headers plus the context headers, so the output forwards every original header as its bytes, in
 * order, repeated and binary ones included, then the context headers. `source` stays the original record, so the
 * output's lineage headers name the original topic, partition and offset. The fallbacks, when the dead-letter
 * topic refuses the message as too large: `omitValue` drops the value (its size recorded), everything else kept;
 * `omitOriginal` also drops the key and the original headers (sizes recorded), leaving the context headers and
 * the lineage, which always fit.
 */
export const deadLetterRecord = (
  deadLetter: DeadLetter,
  flowName: string,
  options: { readonly omitValue?: boolean; readonly omitOriginal?: boolean } = {},
): FlowRecord<Buffer> => {
  const source = deadLetter.record.source;
  const headers: Record<string, string> = {};
  if (options.omitOriginal) {
    for (const [name, value] of contextHeaders(deadLetter, flowName)) headers[name] = value;
    let headerBytes = 0;
    for (const h of source.headers) headerBytes += Buffer.byteLength(h.key) + h.value.length;
    headers[DeadLetterHeader.ValueOmittedBytes] = String(source.value?.length ?? 0);
    headers[DeadLetterHeader.KeyOmittedBytes] = String(source.key?.length ?? 0);
    headers[DeadLetterHeader.HeadersOmittedBytes] = String(headerBytes);
    const bare: SourceRecord = {
      topic: source.topic,
      partition: source.partition,
      offset: source.offset,
      timestamp: source.timestamp,
      timestampType: source.timestampType,
      key: null,
      value: null,
      headers: [],
    };
    return { source: bare, key: null, value: null, headers };
  }
  for (const header of source.headers) {
    if (isUtf8(header.value)) setHeader(headers, header.key, header.value.toString('utf8'));
  }
  for (const [name, value] of contextHeaders(deadLetter, flowName)) headers[name] = value;
  const key = source.key === null ? null : source.key.toString('utf8');
  if (options.omitValue && source.value !== null) {
    headers[DeadLetterHeader.ValueOmittedBytes] = String(source.value.length);
    return { source, key, value: null, headers };
  }
  return { source, key, value: source.value, headers };
};
