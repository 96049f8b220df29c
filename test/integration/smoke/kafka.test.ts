import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from '../../support/endpoints.ts';

describe('the local Kafka server', () => {
  const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect(), consumer.disconnect()]);
  });

  it('delivers produced records to a consumer group, keys, values and headers intact, in partition order', async () => {
    // Prepare
    const topic = uniqueName('smoke');
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.connect();
    const messages = Array.from({ length: 20 }, (_, i) => ({
      key: `k${i % 4}`,
      value: JSON.stringify({ i }),
      headers: { source: 'smoke' },
    }));

    // Act
    await producer.send({ topic, acks: -1, messages });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { partition: number; key: string; i: number; header: string }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            key: String(message.key),
            i: JSON.parse(String(message.value)).i,
            header: String(message.headers?.source),
          });
          if (received.length === messages.length) resolve();
        },
      });
    });

    // Assess
    expect(received).toHaveLength(20);
    expect(new Set(received.map((r) => r.header))).toEqual(new Set(['smoke']));
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const sameKey = received.filter((r) => r.key === key);
      expect(new Set(sameKey.map((r) => r.partition)).size).toBe(1);
      expect(sameKey.map((r) => r.i)).toEqual([...sameKey.map((r) => r.i)].sort((a, b) => a - b));
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(20);
  });
});
