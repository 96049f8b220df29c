import {
  RegistryFormats,
  type SchemaDecoding,
  type ValueDecoder,
  type ValueFormat,
} from '../decode/formats.ts';
import { ConfigError } from '../errors.ts';
import { type Filter, isFilter } from '../filter/filter.ts';
import { type Pushdown, pushdown } from '../filter/pattern.ts';
import type { Output } from '../outputs/output.ts';
import {
  type OutputKind,
  OutputKind as OutputKinds,
  type OutputResources,
  type OutputSpec,
} from '../outputs/spec.ts';
import { isStep, type Loose, type Step } from '../steps/step.ts';
import * as z from '../zod.ts';
import { toConfigError } from './config-error.ts';
import { isTopicRef, type TableRef, type TopicRef } from './resources.ts';

export const StartingPosition = {
  Latest: 'LATEST',
  TrimHorizon: 'TRIM_HORIZON',
  AtTimestamp: 'AT_TIMESTAMP',
} as const;
export type StartingPosition = (typeof StartingPosition)[keyof typeof StartingPosition];

/** Lambda's Kafka batching window when none is set. */
export const DEFAULT_BATCHING_WINDOW_MS = 500;

/** A flow's defaults, read by `defineFlow` and the CDK app alike (one place each). */
export const FlowDefaults = {
  /** Records per invocation at most (the mapping's `BatchSize`). */
  batchSize: 100,
  memoryMb: 512,
  timeoutSeconds: 60,
  /**
   * Lambda's own START, END and REPORT lines (~330 bytes per invocation, at CloudWatch Logs' ingestion price the
   * largest log item per batch after the summary line): dropped by deploying with JSON logs and system log level
   * WARN. Duration, memory and errors stay in Lambda's metrics; a deployment that wants the lines sets the CDK
   * app's `platformLogs`.
   */
  platformLogs: false,
} as const;

/** Where a flow's failed batches go once the mapping gives up: a topic on the same cluster, or SQS/SNS/S3. */
export type OnFailureDestination = TopicRef | { readonly arn: string };

export interface ErrorHandling {
  /**
   * How often the mapping retries a failed batch before giving up (to the on-failure destination). -1: until the
   * record expires. Provisioned mode only.
   * @default AWS's: forever without a destination, 10 with one (every flow has one)
   * @example retryAttempts: 3
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this are given up on (to the on-failure destination). -1: never expire; else 60..604800.
   * Provisioned mode only.
   * @default -1
   * @example maximumRecordAgeSeconds: 3600
   */
  readonly maximumRecordAgeSeconds?: number;
  /**
   * Bisect a failing batch and retry the halves (not counted as retries), so only the failing record is given up.
   * @default false
   * @example splitBatchOnError: true
   */
  readonly splitBatchOnError?: boolean;
  /**
   * Report retriable failures per record (`batchItemFailures`) instead of failing the whole batch.
   * @default false
   * @example reportBatchItemFailures: true
   */
  readonly reportBatchItemFailures?: boolean;
  /**
   * Where a batch goes once the mapping gives up on it: a topic (provisioned mode), or an SQS/SNS/S3 ARN.
   * @default `<source topic>.failed` when declared and the flow bisects with bounded retries, else the failed-batches bucket
   * @example onFailure: topics.reviewsFailed
   */
  readonly onFailure?: OnFailureDestination;
}

export interface ProvisionedPollers {
  readonly minimum: number;
  readonly maximum: number;
}

export interface FlowSource {
  readonly topic: TopicRef;
  readonly consumerGroup: string;
  readonly batchSize: number;
  /** Resolved: Lambda's default (500 ms) when not set. */
  readonly batchingWindowMs: number;
  /** Whether the window was set (CDK passes MaximumBatchingWindowInSeconds only then). */
  readonly batchingWindowSet: boolean;
  readonly startingPosition: StartingPosition;
  /** Epoch milliseconds, with AT_TIMESTAMP only. */
  readonly startingPositionTimestamp?: number;
  readonly filter?: Filter;
  /** The filter as FilterCriteria when the mapping can evaluate it, else why not. Undefined without a filter. */
  readonly pushdown?: Pushdown;
  readonly errorHandling: ErrorHandling;
  readonly provisionedPollers?: ProvisionedPollers;
}

/**
 * A declared flow.
 * @typeParam In - the value type of its source topic's records (`unknown` unless the topic is `typed`)
 * @typeParam Out - the value type its outputs receive, after its steps
 */
export interface Flow<In = Loose, Out = Loose> {
  /** Types only, never set: the value types in and out, for the flow test kit. */
  readonly '~types'?: { readonly in: In; readonly out: Out };
  readonly name: string;
  readonly description?: string;
  readonly source: FlowSource;
  readonly steps: readonly Step[];
  readonly outputs: readonly OutputSpec[];
  readonly deadLetter: OutputSpec<'topic'>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Tables read by the flow's steps (enrich), for grants. */
  readonly readsTables: readonly TableRef[];
  /** Decoders for formats that need one (Avro). */
  readonly decoders?: Partial<Record<ValueFormat, ValueDecoder>>;
  /** How a registry topic's records are read (`registryDecoding(topic)` from shared/schemas). */
  readonly schemas?: SchemaDecoding;
}

/** What a flow file passes to `defineFlow`. */
export interface FlowOptions {
  /**
   * The flow's name: its Lambda function, log service and metrics dimension. Unique in the topology.
   * @example name: 'enrich-reviews'
   */
  readonly name: string;
  /**
   * One line on what the flow does (the function's description).
   * @default none
   * @example description: 'Joins reviews with customers'
   */
  readonly description?: string;
  /** The Kafka source: one event-source mapping. */
  readonly source: {
    /**
     * The topic the flow reads, declared with `defineTopics`.
     * @example topic: topics.reviewsClean
     */
    readonly topic: TopicRef;
    /**
     * The mapping's consumer group: 1-200 of a-z A-Z 0-9 - / * : _ + = . @ (AWS's `ConsumerGroupId`), unique among
     * all the topology's flows (AWS: unique among all your Kafka event sources).
     * @default `sluice-<flow name>`
     * @example consumerGroup: 'reviews-enricher'
     */
    readonly consumerGroup?: string;
    /**
     * Records per invocation at most (1..10000).
     * @default 100
     * @example batchSize: 500
     */
    readonly batchSize?: number;
    /**
     * How long the mapping gathers records before invoking: whole seconds, 0..300000 ms (the mapping takes
     * `MaximumBatchingWindowInSeconds`, so Lambda's 500 ms default can only be had by leaving it unset).
     * @default 500 (Lambda's, not passed to the mapping)
     * @example batchingWindowMs: 1000
     */
    readonly batchingWindowMs?: number;
    /**
     * Where a new consumer group starts: LATEST, TRIM_HORIZON or AT_TIMESTAMP (with `startingPositionTimestamp`).
     * @default 'TRIM_HORIZON'
     * @example startingPosition: StartingPosition.Latest
     */
    readonly startingPosition?: StartingPosition;
    /**
     * With AT_TIMESTAMP only: epoch milliseconds or a Date.
     * @default none
     * @example startingPositionTimestamp: new Date('2026-01-01T00:00:00Z')
     */
    readonly startingPositionTimestamp?: number | Date;
    /**
     * Records that do not match are dropped; pushed down to the mapping's FilterCriteria when it can express it.
     * @default none (every record)
     * @example filter: where({ rating: { lte: 2 } })
     */
    readonly filter?: Filter;
    /**
     * The mapping's error handling (retries, record age, bisecting, partial batch response, on-failure).
     * @default AWS's (see each field)
     * @example errorHandling: { splitBatchOnError: true, reportBatchItemFailures: true }
     */
    readonly errorHandling?: ErrorHandling;
    /**
     * Provisioned mode: pollers the mapping keeps (`minimum` 1..200, `maximum` 1..2000).
     * @default on demand (no provisioned pollers); set, `minimum` 1 and `maximum` 200
     * @example provisionedPollers: { minimum: 1, maximum: 10 }
     */
    readonly provisionedPollers?: { readonly minimum?: number; readonly maximum?: number };
  };
  /**
   * What each record goes through, in order (filter, map, validate, route, cleanse, enrich).
   * @default none (a sink)
   * @example steps: [validate(rawReview), cleanse({ fields: { email: 'email' } })]
   */
  readonly steps?: readonly Step[];
  /**
   * Where records go: `toTopic`, `toS3`, `toOpenSearch`, `toTable`, each with an optional `when`.
   * @example outputs: [toTopic(topics.reviewsEnriched)]
   */
  readonly outputs: readonly OutputSpec[];
  /**
   * The topic records that cannot be processed go to, with the stage and reason in headers.
   * @example deadLetter: toTopic(topics.reviewsDeadLetters)
   */
  readonly deadLetter: OutputSpec<'topic'>;
  /**
   * The function's memory (128..10240 MB); CPU grows with it.
   * @default 512
   * @example memoryMb: 1024
   */
  readonly memoryMb?: number;
  /**
   * The function's timeout (1..840 s; Kafka mappings allow 14 minutes).
   * @default 60
   * @example timeoutSeconds: 120
   */
  readonly timeoutSeconds?: number;
  /**
   * Decoders for value formats that need one (Avro, registries).
   * @default the built-in JSON, text and bytes decoders
   * @example decoders: { avro: avroDecoder }
   */
  readonly decoders?: Partial<Record<ValueFormat, ValueDecoder>>;
  /**
   * How the records of a registry topic (avro, protobuf, json-schema) are read: required for such a source,
   * made by `registryDecoding(topic)` from `shared/schemas`, which only flows reading one bundle.
   * @default none
   * @example schemas: registryDecoding(topics.orders)
   */
  readonly schemas?: SchemaDecoding;
}

const topicRef = z.custom<TopicRef>(isTopicRef, 'must be a topic declared with defineTopics');
const filterSchema = z.custom<Filter>(isFilter, 'must be a filter made with where, anyOf or predicate');

/** An integer setting within the bounds the event-source mapping or Lambda accepts. */
const int = (min: number, max: number, maxMessage = `must be ≤ ${max}`) =>
  z.int('must be an integer').check(z.minimum(min, `must be ≥ ${min}`), z.maximum(max, maxMessage));

// Loose: output factories may add their own resource data (auth mode, secret ARN) for the CDK app.
const resourcesSchema = z.looseObject({
  topics: z.optional(z.array(z.string())),
  tables: z.optional(z.array(z.string())),
  bucketPrefix: z.optional(z.string()),
  index: z.optional(z.string()),
});

const outputSpecSchema = z.looseObject({
  kind: z.enum(Object.values(OutputKinds), {
    error: `must be one of ${Object.values(OutputKinds).join(', ')}`,
  }),
  name: z.string().check(z.minLength(1, 'must not be empty')),
  when: z.optional(filterSchema),
  resources: resourcesSchema,
  create: z.custom<() => Output>((v) => typeof v === 'function', 'must be a function returning an Output'),
});

const errorHandlingSchema = z.strictObject({
  retryAttempts: z.optional(int(-1, 10000)),
  maximumRecordAgeSeconds: z.optional(
    z
      .int('must be an integer')
      .check(z.refine((s) => s === -1 || (s >= 60 && s <= 604800), 'must be -1 or 60..604800')),
  ),
  splitBatchOnError: z.optional(z.boolean()),
  reportBatchItemFailures: z.optional(z.boolean()),
  onFailure: z.optional(
    z.union([
      topicRef,
      z.strictObject({
        arn: z.string().check(z.regex(/^arn:aws[a-z-]*:(sqs|sns|s3):/, 'must be an SQS, SNS or S3 ARN')),
      }),
    ]),
  ),
});

/**
 * The Kafka event-source mapping's own limits, as AWS documents them: one set, read by `defineFlow` (so the
 * runtime, the CDK app and the emulator all see the same validated flow).
 * - ConsumerGroupId: length 1-200, pattern `[a-zA-Z0-9-\/*:_+=.@-]*`
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_AmazonManagedKafkaEventSourceConfig.html, and
 *   API_SelfManagedKafkaEventSourceConfig.html);
 * - BatchSize 1-10000; MaximumBatchingWindowInSeconds 0-300 "in increments of seconds", so the 500 ms Kafka
 *   default cannot be set, only kept by leaving the window unset
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html);
 * - ProvisionedPollerConfig: MinimumPollers 1-200, MaximumPollers 1-2000 for Kafka
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html).
 */
export const MappingLimits = {
  consumerGroup: /^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/,
  batchSize: { min: 1, max: 10_000 },
  batchingWindowMs: { min: 0, max: 300_000 },
  minimumPollers: { min: 1, max: 200 },
  maximumPollers: { min: 1, max: 2_000 },
} as const;

const sourceSchema = z
  .strictObject({
    topic: topicRef,
    consumerGroup: z.optional(
      z
        .string()
        .check(
          z.regex(
            MappingLimits.consumerGroup,
            'must be 1-200 of a-z A-Z 0-9 - / * : _ + = . @ (AWS ConsumerGroupId)',
          ),
        ),
    ),
    batchSize: z._default(
      int(MappingLimits.batchSize.min, MappingLimits.batchSize.max),
      FlowDefaults.batchSize,
    ),
    batchingWindowMs: z.optional(
      int(
        MappingLimits.batchingWindowMs.min,
        MappingLimits.batchingWindowMs.max,
        'must be ≤ 300000 (300 s)',
      ).check(
        z.refine(
          (ms) => ms % 1000 === 0,
          'must be whole seconds (the mapping takes MaximumBatchingWindowInSeconds); leave unset for the 500 ms default',
        ),
      ),
    ),
    startingPosition: z._default(
      z.enum(Object.values(StartingPosition), { error: 'must be LATEST, TRIM_HORIZON or AT_TIMESTAMP' }),
      StartingPosition.TrimHorizon,
    ),
    startingPositionTimestamp: z.optional(
      z.pipe(
        z.union([z.int().check(z.nonnegative()), z.date()]),
        z.transform((t) => (t instanceof Date ? t.getTime() : t)),
      ),
    ),
    filter: z.optional(filterSchema),
    errorHandling: z._default(errorHandlingSchema, {}),
    provisionedPollers: z.optional(
      z
        .strictObject({
          minimum: z._default(int(MappingLimits.minimumPollers.min, MappingLimits.minimumPollers.max), 1),
          maximum: z._default(int(MappingLimits.maximumPollers.min, MappingLimits.maximumPollers.max), 200),
        })
        .check(z.refine((p) => p.minimum <= p.maximum, 'minimum must be ≤ maximum')),
    ),
  })
  .check(
    z.superRefine((source, ctx) => {
      const atTimestamp = source.startingPosition === StartingPosition.AtTimestamp;
      if (atTimestamp && source.startingPositionTimestamp === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['startingPositionTimestamp'],
          message: 'is required with AT_TIMESTAMP',
        });
      }
      if (!atTimestamp && source.startingPositionTimestamp !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['startingPositionTimestamp'],
          message: 'is only allowed with AT_TIMESTAMP',
        });
      }
      const eh = source.errorHandling;
      const provisionedOnly = {
        retryAttempts: eh.retryAttempts !== undefined,
        maximumRecordAgeSeconds: eh.maximumRecordAgeSeconds !== undefined,
        splitBatchOnError: eh.splitBatchOnError !== undefined,
        reportBatchItemFailures: eh.reportBatchItemFailures !== undefined,
        onFailure: eh.onFailure !== undefined && isTopicRef(eh.onFailure),
      };
      if (source.provisionedPollers === undefined) {
        for (const [key, used] of Object.entries(provisionedOnly)) {
          if (used) {
            ctx.addIssue({
              code: 'custom',
              path: ['errorHandling', key],
              message: 'needs provisioned mode (set source.provisionedPollers)',
            });
          }
        }
      }
    }),
  );

const flowSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,47}$/, 'must be lower-case kebab-case, at most 48 characters')),
  description: z.optional(z.string().check(z.maxLength(256, 'must be ≤ 256 characters'))),
  source: sourceSchema,
  steps: z._default(
    z.array(z.custom<Step>(isStep, 'must be a step (filter, map, validate, route, cleanse, enrich)')),
    [],
  ),
  outputs: z.array(outputSpecSchema).check(z.minLength(1, 'needs at least one output')),
  deadLetter: outputSpecSchema.check(
    z.refine((o) => o.kind === OutputKinds.Topic, 'must be a topic output (toTopic)'),
  ),
  memoryMb: z._default(int(128, 10240), FlowDefaults.memoryMb),
  timeoutSeconds: z._default(
    int(1, 840, 'must be ≤ 840 (Kafka mappings allow 14 minutes)'),
    FlowDefaults.timeoutSeconds,
  ),
  decoders: z.optional(
    z.record(
      z.string(),
      z.custom<ValueDecoder>((v) => typeof v === 'function'),
    ),
  ),
  schemas: z.optional(
    z.custom<SchemaDecoding>(
      (v) => (v as SchemaDecoding | undefined)?.kind === 'schema-decoding',
      'must be made with registryDecoding(topic)',
    ),
  ),
});

/**
 * What `defineFlow` takes to start a typed flow: everything but the steps and outputs, which the builder adds.
 * @typeParam In - the value type of the source topic's records
 */
export type FlowHead<In> = Omit<FlowOptions, 'source' | 'steps' | 'outputs'> & {
  readonly source: FlowOptions['source'] & { readonly topic: TopicRef<In> };
  readonly steps?: never;
  readonly outputs?: never;
};

/**
 * A flow being written step by step, each step typed by what the one before gives (as Effect's `pipe` or
 * zod's method chains carry types): a misspelt field in a step or an output is a compile error.
 * @typeParam In - the value type of the source topic's records
 * @typeParam V - the value type the next step (or the outputs) receive
 */
export interface FlowBuilder<In, V> {
  /**
   * Adds a step; the next step receives what it gives.
   * @example .step(enrich({ table: tables.customers, key: 'customerId', as: 'customer' }))
   */
  step<Out>(step: Step<V, Out>): FlowBuilder<In, Out>;
  /**
   * Ends the flow with its outputs, which receive what the last step gives, and validates it as `defineFlow`
   * does (load time).
   * @example .to(toTopic(topics.reviewsEnriched))
   */
  to(...outputs: readonly OutputSpec<OutputKind, V>[]): Flow<In, V>;
}

/**
 * Declares a flow and validates it at once (load time): unknown keys, limits of the event-source mapping,
 * provisioned-mode-only settings, unique output names, route targets that are outputs. Every problem is a
 * ConfigError whose path starts at `flows.<name>`. References to topics and tables are checked against the
 * topology by `defineTopology`.
 *
 * Given no `steps` and no `outputs`, it returns a builder: `.step(…)` adds steps, typed one from the next, and
 * `.to(…)` adds the outputs and validates the whole. Given `steps: [...]` and `outputs: [...]`, the flow is
 * the same, but its callbacks see `any`.
 * @typeParam In - the value type of the source topic's records, from the topic (`typed` in `defineTopics`)
 * @example
 * export const flow = defineFlow({ name: 'enrich-reviews', source: { topic: topics.reviewsClean }, deadLetter })
 *   .step(enrich({ table: tables.customers, key: 'customerId', as: 'customer' }))
 *   .to(toTopic(topics.reviewsEnriched));
 */
export function defineFlow<In = unknown>(options: FlowHead<In>): FlowBuilder<In, In>;
export function defineFlow(options: FlowOptions): Flow;
export function defineFlow(options: FlowOptions | FlowHead<unknown>): Flow | FlowBuilder<Loose, Loose> {
  return options?.steps === undefined && options?.outputs === undefined
    ? flowBuilder(options, [])
    : defineWholeFlow(options);
}

/** The builder's state is its steps so far; `to` hands everything to `defineFlow` as one options object. */
const flowBuilder = (head: FlowHead<unknown>, steps: readonly Step[]): FlowBuilder<Loose, Loose> => ({
  step: (step) => flowBuilder(head, [...steps, step]),
  to: (...outputs) => defineWholeFlow({ ...head, steps, outputs }),
});

const defineWholeFlow = (options: FlowOptions): Flow => {
  const name = typeof options?.name === 'string' && options.name ? options.name : '<unnamed>';
  const prefix = `flows.${name}`;
  const parsed = flowSchema.safeParse(options);
  if (!parsed.success) throw toConfigError(parsed.error, prefix);
  const f = parsed.data;

  // The specs themselves, not zod's copies: they are identities (one Output per spec per environment).
  const outputs = [...options.outputs];
  const seen = new Set<string>();
  outputs.forEach((o, i) => {
    if (seen.has(o.name))
      throw new ConfigError(`${prefix}.outputs[${i}].name`, `"${o.name}" is used by another output`);
    seen.add(o.name);
    o.check?.(`${prefix}.outputs[${i}]`);
  });

  const topicOutputs = new Set(
    outputs.filter((o) => o.kind === OutputKinds.Topic).flatMap((o) => o.resources.topics ?? []),
  );
  f.steps.forEach((step, i) => {
    step.check?.(`${prefix}.steps[${i}]`);
    for (const target of step.routesTo ?? []) {
      if (!topicOutputs.has(target.name)) {
        throw new ConfigError(
          `${prefix}.steps[${i}]`,
          `${step.kind} "${step.name}" routes to topic "${target.name}", which is not one of this flow's topic outputs`,
        );
      }
    }
  });

  const { topic, filter } = f.source;
  if (RegistryFormats.includes(topic.format) && f.schemas === undefined)
    throw new ConfigError(
      `${prefix}.schemas`,
      `source topic "${topic.name}" is ${topic.format} on a registry: pass schemas: registryDecoding(topics.…) (shared/schemas)`,
    );
  if (f.schemas !== undefined && f.schemas.topic !== topic.name)
    throw new ConfigError(
      `${prefix}.schemas`,
      `decodes topic "${f.schemas.topic}", but the source topic is "${topic.name}"`,
    );
  if (filter !== undefined) {
    const added = new Map(
      f.steps.flatMap((step) => (step.adds ?? []).map((field) => [field, step.name] as const)),
    );
    for (const path of filterFields(filter)) {
      const root = path.split('.')[0] as string;
      const step = added.get(root);
      if (step !== undefined) {
        throw new ConfigError(
          `${prefix}.source.filter`,
          `reads "${path}", which step ${step} adds after the source filter has run; filter on it with an output \`when\` or a filter step`,
        );
      }
    }
  }
  const source: FlowSource = {
    ...f.source,
    consumerGroup: f.source.consumerGroup ?? `sluice-${f.name}`,
    batchingWindowMs: f.source.batchingWindowMs ?? DEFAULT_BATCHING_WINDOW_MS,
    batchingWindowSet: f.source.batchingWindowMs !== undefined,
    ...(filter === undefined ? {} : { pushdown: sourcePushdown(filter, topic) }),
  };
  const readsTables = [...new Map(f.steps.flatMap((s) => s.reads ?? []).map((t) => [t.name, t])).values()];
  return Object.freeze({
    ...f,
    source: Object.freeze(source),
    steps: Object.freeze([...f.steps]),
    outputs: Object.freeze(outputs),
    deadLetter: options.deadLetter,
    readsTables: Object.freeze(readsTables),
  }) as Flow;
};

/** Every field path a filter reads (predicates read nothing we can see). */
const filterFields = (filter: Filter): string[] =>
  filter.kind === 'where'
    ? Object.keys(filter.fields)
    : filter.kind === 'anyOf'
      ? filter.filters.flatMap(filterFields)
      : [];

const sourcePushdown = (filter: Filter, topic: TopicRef): Pushdown =>
  topic.format === 'json'
    ? pushdown(filter)
    : {
        pushable: false,
        reason: `value patterns match JSON values; topic "${topic.name}" is ${topic.format}`,
      };

/** Every resource a flow touches, for grants (CDK) and creation (local runner). */
export interface FlowResources {
  readonly readsTopics: readonly string[];
  readonly writesTopics: readonly string[];
  readonly readsTables: readonly string[];
  readonly writesTables: readonly string[];
  readonly bucketPrefixes: readonly string[];
  readonly indexes: readonly string[];
}

export const flowResources = (flow: Flow): FlowResources => {
  const specs = [...flow.outputs, flow.deadLetter];
  const all = <T>(pick: (r: OutputResources) => T | readonly T[] | undefined): T[] => [
    ...new Set(specs.flatMap((s) => pick(s.resources) ?? []) as T[]),
  ];
  const onFailure = flow.source.errorHandling.onFailure;
  return {
    readsTopics: [flow.source.topic.name],
    writesTopics: [
      ...new Set([...all((r) => r.topics), ...(onFailure && isTopicRef(onFailure) ? [onFailure.name] : [])]),
    ],
    readsTables: flow.readsTables.map((t) => t.name),
    writesTables: all((r) => r.tables),
    bucketPrefixes: all((r) => r.bucketPrefix),
    indexes: all((r) => r.index),
  };
};

export type { OutputKind };
