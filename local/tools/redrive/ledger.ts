import type { Kafka } from 'kafkajs';
import { scanTopic } from './topic-scan.ts';

/** What a redrive records for each record it published, keyed by the letter's id. */
export interface LedgerEntry {
  readonly id: string;
  readonly from: string;
  /** `<topic>` or `<topic>/<partition>` it was published to. */
  readonly to: string;
  readonly at: string;
}

/** The record of what was redriven: what a second run skips. */
export interface Ledger {
  /** Ids already redriven. */
  load(): Promise<ReadonlySet<string>>;
  record(entries: readonly LedgerEntry[]): Promise<void>;
}

/**
 * The ledger as a compacted Kafka topic keyed by letter id: it lives with the records it describes, works the
 * same on the local broker and on MSK (one more topic to grant, no other store), and compaction keeps one
 * entry per id. A missing topic is an empty ledger; it is created (compacted) on the first record.
 */
export const kafkaLedger = (kafka: Kafka, topic: string): Ledger => ({
  async load() {
    const admin = kafka.admin();
    await admin.connect();
    const exists = await admin
      .listTopics()
      .then((topics) => topics.includes(topic))
      .finally(() => admin.disconnect());
    const ids = new Set<string>();
    if (!exists) return ids;
    await scanTopic(kafka, topic, (m) => {
      // A tombstone forgets an id: that is how an operator allows a record to be redriven again.
      if (m.key === null) return;
      if (m.value === null) ids.delete(m.key.toString('utf8'));
      else ids.add(m.key.toString('utf8'));
    });
    return ids;
  },
  async record(entries) {
    if (entries.length === 0) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) {
        await admin.createTopics({
          topics: [
            { topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
          ],
          waitForLeaders: true,
        });
      }
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: entries.map((e) => ({ key: e.id, value: JSON.stringify(e) })),
      });
    } finally {
      await producer.disconnect();
    }
  },
});
