/** Metric names the runtime emits (CloudWatch EMF, namespace "Sluice", dimension "flow"). */
export const MetricName = {
  RecordsIn: 'RecordsIn',
  RecordsFiltered: 'RecordsFiltered',
  RecordsDeadLettered: 'RecordsDeadLettered',
  /** Per output, with an extra "output" dimension. */
  RecordsOut: 'RecordsOut',
  RecordsFailed: 'RecordsFailed',
  /** Copies of already-written records the outputs left out: a flow upstream replayed them. */
  RecordsReplayed: 'RecordsReplayed',
  CacheHits: 'EnrichCacheHits',
  CacheMisses: 'EnrichCacheMisses',
  LookupCalls: 'LookupCalls',
  LookupNotFound: 'LookupNotFound',
  BatchDuration: 'BatchDurationMs',
  RecordAge: 'MaxRecordAgeMs',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
