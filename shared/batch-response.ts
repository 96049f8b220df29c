import { partitionId, type SourceRecord } from './record.ts';

/** Lambda's partial batch response for Kafka event sources. */
export interface KafkaBatchItemFailure {
  readonly itemIdentifier: { readonly partition: string; readonly offset: number };
}

export interface KafkaBatchResponse {
  readonly batchItemFailures: KafkaBatchItemFailure[];
}

/**
 * One failure per partition, at the lowest failed offset: Lambda commits the partition up to that offset and
 * resumes from it, so every later record of the partition is replayed (outputs are replay-safe) and nothing
 * before it is. Partitions without failures are committed whole. No failures → an empty list (success).
 */
export const batchItemFailures = (
  failed: Iterable<Pick<SourceRecord, 'topic' | 'partition' | 'offset'>>,
): KafkaBatchResponse => {
  const lowest = new Map<string, number>();
  for (const record of failed) {
    if (record.offset < 0) continue;
    const id = partitionId(record);
    const current = lowest.get(id);
    if (current === undefined || record.offset < current) lowest.set(id, record.offset);
  }
  return {
    batchItemFailures: [...lowest].map(([partition, offset]) => ({ itemIdentifier: { partition, offset } })),
  };
};
