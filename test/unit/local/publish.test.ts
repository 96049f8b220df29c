import type { Kafka, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { publish } from '../../../local/runner/publish.ts';

/** A fake Kafka client that records each send (publish only needs a producer's connect, send, disconnect). */
const fakeKafka = () => {
  const sends: ProducerRecord[] = [];
  const kafka = {
    producer: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async (record: ProducerRecord) => {
        sends.push(record);
        return [];
      },
    }),
  } as unknown as Kafka;
  return { kafka, sends };
};

describe('publishing sample records', () => {
  it('sends three 500 KB reviews with one key in sends that fit the broker, in order', async () => {
    // Prepare
    const { kafka, sends } = fakeKafka();
    const reviews = [1, 2, 3].map((n) => ({ key: 'customer-42', value: { n, text: 'x'.repeat(500_000) } }));
    // Act
    await publish(kafka, 'reviews.raw', reviews);
    // Assess
    expect(sends.map((s) => s.messages.map((m) => JSON.parse(String(m.value)).n))).toEqual([[1, 2], [3]]);
  });

  it('sends small records 500 at a time', async () => {
    // Prepare
    const { kafka, sends } = fakeKafka();
    const records = Array.from({ length: 1200 }, (_, n) => ({ key: `k-${n}`, value: { n } }));
    // Act
    await publish(kafka, 'reviews.raw', records);
    // Assess
    expect(sends.map((s) => s.messages.length)).toEqual([500, 500, 200]);
  });
});
