import type { Kafka } from 'kafkajs';
import type { SampleRecord } from '../samples/generate.ts';
import { toMessage } from '../samples/records.ts';

/** Publishes sample records in order (keys decide partitions, as any Java producer would). */
export const publish = async (
  kafka: Kafka,
  topic: string,
  records: readonly SampleRecord[],
): Promise<void> => {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 500).map(toMessage) });
    }
  } finally {
    await producer.disconnect();
  }
};
