import { randomBytes } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import type { RecordHeader } from '../../../shared/record.ts';
import type { ReadMessage } from './dead-letters.ts';

/**
 * kafkajs headers → the ordered list of header bytes. kafkajs gathers repeated names into arrays, and its
 * decoder turns a header named like an `Object.prototype` member (`constructor`, `toString`) into
 * `[<the inherited member>, value]`: only Buffers and strings are header values.
 */
export const headerList = (headers: IHeaders | undefined): RecordHeader[] => {
  const list: RecordHeader[] = [];
  if (!headers) return list;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    for (const one of Array.isArray(value) ? value : [value]) {
      if (Buffer.isBuffer(one)) list.push({ key, value: one });
      else if (typeof one === 'string') list.push({ key, value: Buffer.from(one, 'utf8') });
    }
  }
  return list;
};

export interface ScanOptions {
  /** Gives up when no partition advanced for this long. @default 60_000 */
  readonly stallMs?: number;
  /**
   * Only these offsets (`from` inclusive, `to` exclusive) of these partitions, clamped to what the topic
   * retains. @default every partition, from its earliest retained offset to its end
   */
  readonly ranges?: ReadonlyMap<number, { readonly from: number; readonly to: number }>;
}

/** The offsets a scan reads per partition: what was asked for, within what the topic holds now. */
export interface ScanRange {
  readonly from: number;
  readonly to: number;
  /** The earliest offset the topic still retains. */
  readonly low: number;
}

/**
 * Every message of `topic` from the earliest retained offset to the end offsets it had when the scan started:
 * a finite read that never waits for new messages. It runs a throwaway consumer group that commits nothing,
 * and disconnects only after `run` has handed over the last batch (disconnecting from inside a batch handler
 * deadlocks kafkajs, tulios/kafkajs#767).
 */
export const scanTopic = async (
  kafka: Kafka,
  topic: string,
  each: (message: ReadMessage) => void,
  options: ScanOptions = {},
): Promise<{ readonly ranges: ReadonlyMap<number, ScanRange>; readonly messages: number }> => {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    // Asking a missing topic's offsets retries for seconds before it says so.
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist`);
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const ranges = new Map<number, ScanRange>();
  for (const p of offsets) {
    const low = Number(p.low);
    const high = Number(p.high);
    const asked = options.ranges ? options.ranges.get(p.partition) : { from: low, to: high };
    if (asked)
      ranges.set(p.partition, { from: Math.max(asked.from, low), to: Math.min(asked.to, high), low });
  }
  const pending = new Set([...ranges].filter(([, r]) => r.to > r.from).map(([partition]) => partition));
  // Next offset per partition: a batch fetched again (after a rejoin) is not counted twice.
  const next = new Map([...ranges].map(([partition, r]) => [partition, r.from]));
  let messages = 0;
  if (pending.size === 0) return { ranges, messages };

  const groupId = `sluice-redrive-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const stallMs = options.stallMs ?? 60_000;
      let timer = setTimeout(() => reject(stalled()), stallMs);
      const stalled = () =>
        new Error(`reading ${topic} stalled: partitions ${[...pending].join(', ')} did not reach their end`);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const partition = batch.partition;
            const end = ranges.get(partition)?.to ?? 0;
            if (!pending.has(partition)) return;
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset >= end) break;
              if (offset < (next.get(partition) ?? 0)) continue;
              next.set(partition, offset + 1);
              messages++;
              each({
                topic,
                partition,
                offset,
                key: m.key,
                value: m.value,
                headers: headerList(m.headers),
              });
            }
            if (Number(batch.lastOffset()) + 1 >= end) pending.delete(partition);
            clearTimeout(timer);
            timer = setTimeout(() => reject(stalled()), stallMs);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .then(() => {
          // Partial reads start where they are asked to; partitions not asked for are not fetched at all.
          if (!options.ranges) return;
          const others = offsets.map((p) => p.partition).filter((partition) => !pending.has(partition));
          if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
          for (const partition of pending) {
            consumer.seek({ topic, partition, offset: String(ranges.get(partition)?.from ?? 0) });
          }
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    // The group committed nothing; remove it so scans leave no trace on the cluster.
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => cleanup.disconnect());
  }
  return { ranges, messages };
};
