import type { ProducedMessage, TopicMessages } from '../clients/kafka.ts';
import { RecordRejectedError, Stage } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { encodeKey, encodeValue } from './encode.ts';
import { addLineage, isLineageHeader } from './lineage.ts';
import type { DeadLetter, Output } from './output.ts';

export interface TopicWriterDeps {
  readonly name: string;
  readonly topic: string;
  readonly producer: () => { sendBatch(batch: readonly TopicMessages[]): Promise<void> };
  /** Records larger than this (key + value + headers, uncompressed) are dead-lettered instead of sent. */
  readonly maxMessageBytes: number;
}

const isUtf8 = (bytes: Buffer): boolean => Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);

/**
 * Headers to forward: the record's decoded headers, as the source bytes where a step left them unchanged, plus
 * the source's binary (non-UTF-8) headers, which are not decoded; lineage headers are this hop's, not inherited.
 */
export const forwardedHeaders = (record: FlowRecord): Record<string, string | Buffer> => {
  const headers: Record<string, string | Buffer> = {};
  if (record.headers === record.source.decodedHeaders) {
    // Untouched since decoding and all text: the strings encode back to the very bytes that arrived.
    for (const key in record.headers) if (!isLineageHeader(key)) headers[key] = record.headers[key] as string;
    return headers;
  }
  for (const { key, value } of record.source.headers) {
    if (isLineageHeader(key)) continue;
    const decoded = record.headers[key];
    if (decoded === undefined ? !isUtf8(value) : decoded === value.toString('utf8')) headers[key] = value;
  }
  for (const [key, value] of Object.entries(record.headers)) {
    if (!isLineageHeader(key) && !(key in headers)) headers[key] = value;
  }
  return headers;
};

/**
 * The produced form of a record: key bytes preserved, value encoded, headers forwarded plus lineage (inbound
 * lineage extended only when `trustsLineage`: the source topic is internal).
 */
export const toProducedMessage = (
  record: FlowRecord,
  flowName: string,
  trustsLineage = false,
): ProducedMessage => ({
  key: encodeKey(record),
  value: encodeValue(record.value),
  headers: addLineage(forwardedHeaders(record), record, flowName, trustsLineage),
});

const messageBytes = (message: ProducedMessage): number => {
  let size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  const headers = message.headers;
  for (const key in headers) {
    const value = headers[key] as string | Buffer;
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
  }
  return size;
};

/** Writes a batch to one topic in a single batched send, in source order. */
export const createTopicWriter = (deps: TopicWriterDeps): Output => ({
  name: deps.name,
  async write(records, context) {
    const messages: ProducedMessage[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const record of records) {
      const message = toProducedMessage(record, context.flowName, context.trustsLineage);
      const size = messageBytes(message);
      if (size > deps.maxMessageBytes) {
        const error = new RecordRejectedError(
          `record of ${size} bytes exceeds the ${deps.maxMessageBytes}-byte limit of topic ${deps.topic}`,
        );
        deadLetters.push({ record, stage: Stage.Output, error, component: deps.name });
      } else {
        messages.push(message);
      }
    }
    await deps.producer().sendBatch([{ topic: deps.topic, messages }]);
    return { written: messages.length, deadLetters };
  },
});
