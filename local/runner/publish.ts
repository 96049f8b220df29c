import type { Kafka, Message } from 'kafkajs';
import { cutSends } from '../../shared/outputs/send-plan.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../shared/outputs/topic.ts';
import type { SampleRecord } from '../samples/generate.ts';
import { toMessage } from '../samples/records.ts';

const byteLength = (value: Message['value'] | Message['key']): number =>
  value == null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;

/** An upper bound of a message's bytes in a record batch (as the topic output counts them). */
const messageBytes = (message: Message): number => {
  let size = 36 + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    size += 10 + Buffer.byteLength(name) + byteLength(value as string | Buffer);
  return size;
};

/**
 * Publishes sample records in order (keys decide partitions, as any Java producer would), in sends of at most
 * 500 records that fit the broker's default `max.message.bytes` whatever partitions the records land on. `encode`
 * writes JSON values in a registry topic's schema and framing (`topicEncoder`).
 */
export const publish = async (
  kafka: Kafka,
  topic: string,
  records: readonly SampleRecord[],
  encode?: (value: unknown) => Buffer,
): Promise<void> => {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) {
      const sized = records.slice(i, i + 500).map((record) => {
        const message = toMessage(record, encode);
        return { message, bytes: messageBytes(message), partition: undefined };
      });
      for (const run of cutSends(sized, DEFAULT_MAX_MESSAGE_BYTES)) {
        await producer.send({ topic, acks: -1, messages: run.map((s) => s.message) });
      }
    }
  } finally {
    await producer.disconnect();
  }
};
