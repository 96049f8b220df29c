/** Metric names the runtime emits (CloudWatch EMF, namespace "Sluice", dimension "flow"). */
export const MetricName = {
  RecordsIn: 'RecordsIn',
  RecordsFiltered: 'RecordsFiltered',
  RecordsDeadLettered: 'RecordsDeadLettered',
  /** Per output, with an extra "output" dimension. */
  RecordsOut: 'RecordsOut',
  RecordsFailed: 'RecordsFailed',
  /**
   * Per output, with an extra "output" dimension, when not zero: requests its target answered throttled (sent
   * again). `RecordsDeadLettered` is also published per output, when not zero.
   */
  OutputThrottled: 'OutputThrottled',
  /**
   * Copies of already-written records the outputs left out, or of already-counted records a stateful step left out
   * (by their lineage origin): a flow upstream replayed them.
   */
  RecordsReplayed: 'RecordsReplayed',
  /**
   * Written although their lineage path had passed their origin offset: copies older than the replay guard's
   * window (possible duplicates) or records that followed test events.
   */
  RecordsReplayUnsure: 'RecordsReplayUnsure',
  /** Records whose inbound lineage headers were not accepted (ingress topic, malformed or over-long path). */
  LineageRejected: 'LineageRejected',
  CacheHits: 'EnrichCacheHits',
  CacheMisses: 'EnrichCacheMisses',
  LookupCalls: 'LookupCalls',
  LookupNotFound: 'LookupNotFound',
  /** Stateful steps: DynamoDB requests on their state table (reads: BatchGetItem and Query). */
  StateReads: 'StateReadRequests',
  StateWrites: 'StateWriteRequests',
  /** Records at or below their partition's committed offset (delivered before), skipped by a stateful step. */
  StateReplaysSkipped: 'StateReplaysSkipped',
  /** Records dead-lettered as late (every window they fall in had closed). */
  LateRecords: 'LateRecords',
  WindowsEmitted: 'WindowsEmitted',
  BatchDuration: 'BatchDurationMs',
  RecordAge: 'MaxRecordAgeMs',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
