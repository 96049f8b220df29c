import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { endpoints, uniqueName } from './endpoints.ts';

export type ReadMessage = KafkaMessage & { readonly partition: number };

/** Partition → next offset: where a topic ends now, so a test can read only what came after. */
export const topicEndOffsets = async (topic: string): Promise<Map<number, number>> => {
  const admin = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
};

/** Every message of a topic from `since` (default: the beginning) to its current end, in partition order. */
export const readTopic = async (topic: string, since = new Map<number, number>()): Promise<ReadMessage[]> => {
  const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
  const ends = await topicEndOffsets(topic);
  const remaining = new Set([...ends].filter(([p, end]) => end > (since.get(p) ?? 0)).map(([p]) => p));
  const messages: ReadMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        if (offset >= (since.get(partition) ?? 0) && offset < (ends.get(partition) ?? 0))
          messages.push({ ...message, partition });
        if (offset + 1 >= (ends.get(partition) ?? 0)) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
};

export const jsonOf = (message: KafkaMessage): Record<string, unknown> => JSON.parse(String(message.value));
export const header = (message: KafkaMessage, name: string): string | undefined => {
  const value = message.headers?.[name];
  return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
};
