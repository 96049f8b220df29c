import type { Filter } from '../filter/filter.ts';
import type { Loose } from '../steps/step.ts';
import type { Output } from './output.ts';

export const OutputKind = {
  Topic: 'topic',
  S3: 's3',
  OpenSearch: 'opensearch',
  Table: 'table',
  Http: 'http',
  Postgres: 'postgres',
  Sqs: 'sqs',
  Sns: 'sns',
  EventBridge: 'eventbridge',
} as const;
export type OutputKind = (typeof OutputKind)[keyof typeof OutputKind];

/**
 * What an output touches, as data: the CDK app derives grants from it and the topology checks every name is
 * declared. Names are the declared resource names (topic names, table names, the topology's index name).
 */
export interface OutputResources {
  /** Kafka topics written. */
  readonly topics?: readonly string[];
  /** DynamoDB tables written. */
  readonly tables?: readonly string[];
  /** Key prefix written in the topology's bucket. */
  readonly bucketPrefix?: string;
  /** OpenSearch index written (the topology's index). */
  readonly index?: string;
  /** The bucket an s3 output writes (the topology's bucket). */
  readonly bucket?: string;
  /** An s3 output's replay marks: its flow also reads `<bucketPrefix>/_sluice/replay-marks/<flow>/`. */
  readonly replayMarks?: true;
  /** A topic output's own Kafka auth mode, when it sets one (`iam` needs an MSK cluster). */
  readonly auth?: string;
  /** The secret of a topic output's own SCRAM auth, or of an http output's auth. */
  readonly secretArn?: string;
  /** An http output's endpoint origin (`https://api.example.com`): the flow needs network egress to it. */
  readonly endpoint?: string;
  /** PostgreSQL tables written, in the deployment's database (`toPostgres`). */
  readonly postgresTables?: readonly string[];
  /** An SQS queue sent to: a name (the app creates it) or an existing queue's ARN. */
  readonly queue?: string;
  /** An SNS topic published to: a name (the app creates it) or an existing topic's ARN. */
  readonly notificationTopic?: string;
  /** An EventBridge bus put to: a name (the app creates it; `default` is the account's) or an existing bus's ARN. */
  readonly eventBus?: string;
  /** The customer-managed KMS key (ARN) the target is encrypted with: sending needs it. */
  readonly kmsKey?: string;
}

/**
 * An output as a flow declares it: data the CDK app and the local runner read, plus `create()`, which the handler
 * calls once per execution environment (lazily, on the first batch), never per invocation. Made by the
 * `toTopic / toS3 / toOpenSearch / toTable` factories in `shared/outputs/<kind>.ts`, which may add their own
 * data fields (the topic, the key field, ...).
 *
 * Records reach `Output.write` in source order per partition, only those matching `when` (evaluated in-process
 * after the flow's steps, so it may use enriched fields) and, for topic outputs, only those a `route` step sent
 * there (records without a route go to every output).
 *
 * Value encoding a topic output must honour: a value that is a Buffer is written as exactly those bytes (dead
 * letters rely on it to carry the original value), a string as UTF-8, null as a tombstone, anything else as
 * JSON. A registry topic output (`registryEncoding`) instead encodes every non-null value in its declared schema.
 *
 * @typeParam K - the kind of output
 * @typeParam V - the record value type it takes: its callbacks (`id`, `item`, `line`) and `when` read it
 */
export interface OutputSpec<K extends OutputKind = OutputKind, V = Loose> {
  /** Types only, never set: the value type the output takes, so a flow's records must fit it. */
  readonly '~value'?: (value: V) => void;
  readonly kind: K;
  /** Unique within the flow; used in metrics (records out per output) and dead-letter `component`. */
  readonly name: string;
  readonly when?: Filter;
  readonly resources: OutputResources;
  /**
   * Checks that need the flow (its path, `flows.<name>.outputs[<i>]`): `defineFlow` calls it and it throws a
   * ConfigError naming that path. A FIFO target without a group field is one.
   */
  readonly check?: (path: string) => void;
  create(): Output;
}
