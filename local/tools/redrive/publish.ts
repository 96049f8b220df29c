import { CompressionTypes, type IHeaders, type Kafka, Partitioners } from 'kafkajs';
import type { RecordHeader } from '../../../shared/record.ts';
import type { RedriveMessage } from './letter.ts';

export interface Outgoing {
  readonly topic: string;
  /** Absent: the partitioner places it by key, as the flows' producers do. */
  readonly partition?: number;
  readonly message: RedriveMessage;
}

/** Where redriven records go. */
export interface Publisher {
  /** Partition count of each topic; a topic that does not exist is absent. */
  partitions(topics: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Sends in order and resolves once every message is acknowledged by all in-sync replicas. */
  send(messages: readonly Outgoing[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The ordered header list as kafkajs headers: repeated names become arrays (kafkajs writes them as repeated
 * headers, in order per name); a null-prototype object, so `__proto__` or `constructor` are names like any other.
 */
export const kafkajsHeaders = (headers: readonly RecordHeader[]): IHeaders => {
  const out = Object.create(null) as Record<string, Buffer | Buffer[]>;
  for (const { key, value } of headers) {
    const present = out[key];
    out[key] =
      present === undefined ? value : Array.isArray(present) ? [...present, value] : [present, value];
  }
  return out as IHeaders;
};

/** Messages per send: a bounded request even for a large redrive. */
const CHUNK = 500;

export const kafkaPublisher = (kafka: Kafka): Publisher => {
  const producer = kafka.producer({
    // The flows' partitioner (Java-compatible murmur2), so a keyed record lands where a flow would put it.
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // One request in flight keeps the order of records through kafkajs's retries.
    maxInFlightRequests: 1,
  });
  let connected: Promise<void> | undefined;
  return {
    async partitions(topics) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const wanted = [...new Set(topics)].filter((t) => existing.has(t));
        if (wanted.length === 0) return new Map();
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: wanted });
        return new Map(metadata.map((t) => [t.name, t.partitions.length]));
      } finally {
        await admin.disconnect();
      }
    },
    async send(messages) {
      connected ??= producer.connect();
      await connected;
      for (let i = 0; i < messages.length; i += CHUNK) {
        const byTopic = new Map<string, Outgoing[]>();
        for (const m of messages.slice(i, i + CHUNK)) {
          const list = byTopic.get(m.topic) ?? [];
          list.push(m);
          byTopic.set(m.topic, list);
        }
        await producer.sendBatch({
          acks: -1,
          compression: CompressionTypes.GZIP,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map(({ partition, message }) => ({
              key: message.key,
              value: message.value,
              headers: kafkajsHeaders(message.headers),
              ...(partition !== undefined ? { partition } : {}),
            })),
          })),
        });
      }
    },
    async close() {
      if (connected) await producer.disconnect();
    },
  };
};
