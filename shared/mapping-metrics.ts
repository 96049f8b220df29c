/**
 * The metrics an AWS Lambda event-source mapping for Kafka publishes once its `MetricsConfig` turns their group
 * on: namespace `AWS/Lambda`, dimension `EventSourceMappingUUID` (AWS, "Types of metrics for Lambda functions",
 * event source mapping metrics). The CDK app enables all three groups and alarms on them; the local emulator
 * (`local/esm/`) counts the same names with the same meanings.
 */
export const MappingMetrics = {
  namespace: 'AWS/Lambda',
  dimension: 'EventSourceMappingUUID',
  /** The `MetricsConfig.Metrics` groups, all three of which a Kafka mapping accepts. */
  groups: ['EventCount', 'ErrorCount', 'KafkaMetrics'],
} as const;

/** Group `EventCount`, counted in records (events), not batches. */
export const EventCountMetric = {
  /** Records read from the topic (a record fetched again after a rebalance counts again). */
  Polled: 'PolledEventCount',
  /** Records the FilterCriteria dropped: they never reach the function. */
  FilteredOut: 'FilteredOutEventCount',
  /** Records sent to the function, every attempt counted (a retried batch counts again). */
  Invoked: 'InvokedEventCount',
  /**
   * Records of invocations that failed: a function error, an invocation error, or a response whose
   * `batchItemFailures` is not empty (the whole invocation's records, as AWS counts "any event with a
   * non-empty BatchItemFailures in the response").
   */
  FailedInvoke: 'FailedInvokeEventCount',
  /**
   * Records given up on (retries exhausted, older than `MaximumRecordAgeInSeconds`) that reached no on-failure
   * destination: none configured, or its delivery failed.
   */
  Dropped: 'DroppedEventCount',
  /** Records given up on that the on-failure destination received. */
  OnFailureDestinationDelivered: 'OnFailureDestinationDeliveredEventCount',
  /** Offsets committed: the sum over partitions of how far each commit moved the committed offset. */
  Committed: 'CommittedEventCount',
} as const;
export type EventCountMetric = (typeof EventCountMetric)[keyof typeof EventCountMetric];

/** Group `ErrorCount`, counted in errors (a failed batch is one), emitted only when one happens. */
export const ErrorCountMetric = {
  Polling: 'PollingErrorCount',
  /** The function could not be invoked at all (its code did not run), per batch. */
  Invoke: 'InvokeErrorCount',
  OnFailureDestinationDelivery: 'OnFailureDestinationDeliveryErrorCount',
  SchemaRegistry: 'SchemaRegistryErrorCount',
  Commit: 'CommitErrorCount',
} as const;
export type ErrorCountMetric = (typeof ErrorCountMetric)[keyof typeof ErrorCountMetric];

/** Group `KafkaMetrics`: latest minus committed offset, over the mapping's partitions. */
export const KafkaLagMetric = {
  Max: 'MaxOffsetLag',
  Sum: 'SumOffsetLag',
} as const;
export type KafkaLagMetric = (typeof KafkaLagMetric)[keyof typeof KafkaLagMetric];
