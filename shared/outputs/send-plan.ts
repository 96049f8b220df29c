import type { ProducedMessage } from '../clients/kafka.ts';

/**
 * Cutting a topic write into sends that the broker accepts. Kafka checks each partition's record batch against
 * the topic's `max.message.bytes`; kafkajs puts every message of a send for one partition into one record batch,
 * so a send must not give any partition more than the limit.
 */

/**
 * Upper bound of one record's share of a record batch: its bytes plus the most its framing can take (length,
 * attributes, timestamp and offset deltas, key/value/header lengths as varints).
 */
export const recordBytes = (message: ProducedMessage): number => {
  let size = 36 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const { key, value } of message.headers) {
    size +=
      10 + Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
  }
  return size;
};

/**
 * Upper bound of a record batch holding records of `bytes` in total: the batch header (61 bytes) and the log
 * overhead the broker counts (12), plus what gzip can add to incompressible data (its framing, and deflate's
 * stored blocks, under 0.05 %). Compression otherwise only makes the batch smaller.
 */
export const batchBytes = (bytes: number): number => 61 + 12 + 64 + bytes + Math.ceil(bytes / 2048);

/** What a send needs to know of a message: its bound and its partition (undefined: it may land on any). */
export interface Sized {
  readonly bytes: number;
  readonly partition: number | undefined;
}

/**
 * Cuts `items` (in order) into consecutive runs such that no partition's record batch in a run can exceed
 * `limit`; an item whose partition is unknown counts against every partition. Sending the runs one after the
 * other keeps the order per partition. Items too large on their own must be left out before.
 */
export const cutSends = <T extends Sized>(items: readonly T[], limit: number): T[][] => {
  const runs: T[][] = [];
  let run: T[] = [];
  let perPartition = new Map<number, number>();
  let largest = 0;
  let anywhere = 0;
  for (const item of items) {
    const own = item.partition === undefined ? largest : (perPartition.get(item.partition) ?? 0);
    if (run.length > 0 && batchBytes(own + anywhere + item.bytes) > limit) {
      runs.push(run);
      run = [];
      perPartition = new Map();
      largest = 0;
      anywhere = 0;
    }
    run.push(item);
    if (item.partition === undefined) anywhere += item.bytes;
    else {
      const sum = (perPartition.get(item.partition) ?? 0) + item.bytes;
      perPartition.set(item.partition, sum);
      if (sum > largest) largest = sum;
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
};
