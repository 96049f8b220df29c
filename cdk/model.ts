import type { DeploySchemas } from './schema-registry.ts';

/**
 * What the CDK app needs to know about a topology, in one normalised shape. `fromTopology` (topology.ts)
 * derives it from the runtime's validated topology, so nothing here is declared by hand; test fixtures
 * build it directly. Every field is data read from a flow: no CDK types, no functions.
 */

export { StartingPosition } from '../shared/topology/flow.ts';

import type { StartingPosition } from '../shared/topology/flow.ts';

/** One FilterCriteria pattern, already a JSON string as Lambda stores it. */
export type FilterPattern = string;

export interface ProvisionedPollers {
  readonly minimumPollers: number;
  readonly maximumPollers: number;
}

export interface FlowSource {
  readonly topic: string;
  readonly consumerGroup: string;
  readonly batchSize: number;
  /** Whole seconds in milliseconds; undefined keeps Lambda's Kafka default (500 ms). */
  readonly batchingWindowMs?: number;
  readonly startingPosition: StartingPosition;
  /** Unix seconds; required with AT_TIMESTAMP. */
  readonly startingTimestamp?: number;
  /** Pushed-down filter patterns (ORed); empty when the flow's filter cannot be pushed down. */
  readonly filterPatterns: readonly FilterPattern[];
  /** Provisioned mode, which unlocks the four error-handling controls below. */
  readonly provisioned?: ProvisionedPollers;
  readonly retryAttempts?: number;
  readonly maxRecordAgeSeconds?: number;
  readonly splitBatchOnError?: boolean;
  readonly reportBatchItemFailures?: boolean;
  /**
   * Where the mapping sends a batch it gives up on: a topic on the same cluster (provisioned mode), or an
   * SQS/SNS/S3 ARN. Undefined: the data stack's failed-batches bucket (the whole invocation record, records
   * included).
   */
  readonly onFailure?: OnFailure;
}

export type OnFailure =
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 'arn'; readonly arn: string };

/** What an output touches, as the runtime's output specs declare it (names, not ARNs). */
export interface OutputResources {
  readonly topics?: readonly string[];
  readonly tables?: readonly string[];
  /** Key prefix in the topology's bucket ('' = the whole bucket). */
  readonly bucketPrefix?: string;
  /** The s3 output keeps replay marks under `<bucketPrefix>/_sluice/replay-marks/<flow>/`. */
  readonly replayMarks?: boolean;
  readonly index?: string;
  /** Kafka auth of a topic output, when it sets its own. */
  readonly auth?: string;
  readonly secretArn?: string;
}

/** An output as the runtime declares it: `kind`, `name` and the resources it touches (grant data). */
export interface FlowOutput {
  readonly kind: string;
  readonly name: string;
  readonly resources: OutputResources;
}

export interface DeployFlow {
  readonly name: string;
  /** Absolute path of the flow's own file: the bundle's entry point. */
  readonly entry: string;
  readonly source: FlowSource;
  /** Tables read by `enrich` steps. */
  readonly lookups: readonly string[];
  readonly outputs: readonly FlowOutput[];
  /** The flow's dead-letter topic (per-record failures, written by the function). */
  readonly deadLetterTopic?: string;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** The registry a flow reading avro/protobuf/json-schema decodes with (cdk/schema-registry.ts). */
  readonly schemas?: DeploySchemas;
}

export const AttributeType = { String: 'S', Number: 'N', Binary: 'B' } as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

export interface DeployTable {
  readonly name: string;
  readonly partitionKey: string;
  readonly partitionKeyType?: AttributeType;
  readonly sortKey?: string;
  readonly sortKeyType?: AttributeType;
}

export interface DeployModel {
  readonly topics: readonly string[];
  readonly tables: readonly DeployTable[];
  /** The lake bucket (physical name), if the topology declares one. */
  readonly bucket?: string;
  /** The search index name, if the topology declares one (it lives in the stack's OpenSearch domain). */
  readonly index?: string;
  readonly flows: readonly DeployFlow[];
}
