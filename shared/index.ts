/**
 * Everything a flow file uses, from one import path: `import { defineFlow, toTopic, … } from '../shared/index.ts'`.
 * Re-exports only. esbuild keeps only what a flow uses (each function's bundle starts at its flow file), so the
 * heavy libraries stay in the flows that use them: `test/unit/bundles/flow-bundles.test.ts` holds that true.
 */

export { type MaskOptions, type Secret, secret } from './cleanse/pii.ts';
export {
  type Enriched,
  type EnrichOptions,
  enrich,
  Join,
  type KeySelector,
  OnMissing,
} from './enrich/index.ts';
// Field names and paths of a record value type (what makes a misspelt field a compile error).
export type { FieldName, FieldPath } from './fields.ts';
// Filters: data, pushed down to the mapping where FilterCriteria can express them.
export type { Condition, Filter, NumericCondition, Scalar } from './filter/filter.ts';
export { anyOf, predicate, where } from './filter/where.ts';
// The handler.
export { type FlowHandler, type HandlerOptions, handlerFor } from './handler/index.ts';
export { type EventBridgeOutputOptions, toEventBridge } from './outputs/eventbridge.ts';
// Outputs.
export { type HttpOutputOptions, toHttp } from './outputs/http.ts';
export { type OpenSearchOutputOptions, toOpenSearch } from './outputs/opensearch.ts';
export { type PostgresOutputOptions, toPostgres } from './outputs/postgres.ts';
export type { RateLimit } from './outputs/rate-limit.ts';
export { type S3OutputOptions, toS3 } from './outputs/s3.ts';
export { toSns } from './outputs/sns.ts';
export type { MessageOutputOptions } from './outputs/sns-sqs-options.ts';
export { toSqs } from './outputs/sqs.ts';
export { type TableOutputOptions, toTable } from './outputs/table.ts';
export { type TopicOutputOptions, type TopicOutputSpec, toTopic } from './outputs/topic.ts';
// Records.
export { type FlowRecord, isTombstone, type RecordHeader, type ValueRecord } from './record.ts';
// Schema registries (Avro, Protobuf, JSON Schema): the libraries load only in flows that call registryDecoding
// or registryEncoding.
export {
  type ConfluentRegistryOptions,
  confluentRegistry,
  type GlueRegistryOptions,
  glueRegistry,
  lakeColumnsOf,
  type RegistryDecodingOptions,
  type RegistryEncodingOptions,
  type RegistryRef,
  registryDecoding,
  registryEncoding,
} from './schemas/index.ts';
// Stateful steps: windowed aggregation, state in DynamoDB (loaded only by flows that use it).
export {
  type AggregateOptions,
  aggregate,
  avg,
  count,
  type Duration,
  hopping,
  max,
  min,
  type Reduction,
  readWindows,
  reduce,
  sum,
  tumbling,
  type WindowResult,
  type WindowState,
} from './stateful/index.ts';
export { JOIN_LEFT_HEADER, JOIN_RIGHT_HEADER, type JoinStep, join } from './stateful/join.ts';
// Stream–stream joins (state in DynamoDB): the runtime loads the SDK only in flows that run one.
export type { JoinOptions } from './stateful/join-options.ts';
// Steps.
export {
  type CleanseOptions,
  type CleanseRule,
  cleanse,
  type FilterOptions,
  filter,
  type MapOptions,
  map,
  OnInvalid,
  type RekeyOptions,
  type RouteOptions,
  rekey,
  route,
  type Step,
  type StepContext,
  type StepResult,
  type ValidateOptions,
  validate,
} from './steps/index.ts';
// Resources, flows, the topology.
export {
  type BucketRef,
  DEFAULT_BATCHING_WINDOW_MS,
  defineBucket,
  defineFlow,
  defineIndex,
  defineTables,
  defineTopics,
  defineTopology,
  type ErrorHandling,
  type Flow,
  type FlowBuilder,
  type FlowHead,
  type FlowOptions,
  type FlowSource,
  type IndexRef,
  type KeyAttribute,
  KeyType,
  type OnFailureDestination,
  type ProvisionedPollers,
  StartingPosition,
  type TableOptions,
  type TableRef,
  type TopicOptions,
  type TopicRef,
  type Topology,
  type TopologyOptions,
  typed,
} from './topology/index.ts';

// The runtime's zod (zod/mini with English messages): read its members only, e.g. `z.object({ … })`.
export * as z from './zod.ts';
