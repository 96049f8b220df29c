import * as z from 'zod/mini';
import type { KafkaAuth } from '../clients/kafka-auth.ts';
import { ConfigError } from '../errors.ts';
import type { Filter } from '../filter/filter.ts';
import type { RegistryEncoding, TopicEncoding } from '../schemas/encoding.ts';
import type { Loose } from '../steps/step.ts';
import type { TopicRef } from '../topology/resources.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { int, nameOf, oneOf, parseOptions, type ResourceRef, resourceName } from './options.ts';
import { limiterOf, rateLimitSchema } from './rate-limit-option.ts';

const authSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('plaintext') }),
    z.strictObject({ mode: z.literal('tls') }),
    z.strictObject({ mode: z.literal('iam') }),
    z.strictObject({
      mode: oneOf(['scram-sha-256', 'scram-sha-512']),
      secretArn: z.string().check(z.startsWith('arn:', { error: 'must be a Secrets Manager ARN' })),
    }),
  ],
  { error: 'mode must be one of plaintext, tls, iam, scram-sha-256, scram-sha-512' },
);

const optionsSchema = z.strictObject({
  /**
   * Slow this output down to a rate (a token bucket per execution environment, shared by all its partitions;
   * Lambda's concurrency multiplies it). A wait that would pass the invocation's deadline fails the batch
   * (retriable) instead.
   * @default none
   * @example rateLimit: { perSecond: 500, burst: 1000 }
   */
  rateLimit: z.optional(rateLimitSchema),
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * Auth for the producer.
   * @default from SLUICE_KAFKA_AUTH, which the CDK app sets for the cluster (plaintext when unset)
   * @example auth: { mode: 'scram-sha-512', secretArn: 'arn:aws:secretsmanager:…' }
   */
  auth: z.optional(authSchema),
  /**
   * The topic's `max.message.bytes`: sends are cut so that no partition's record batch exceeds it, and a record
   * larger on its own is dead-lettered. MSK Serverless allows 8 MiB (8388608).
   * @default the declared topic's `maxMessageBytes`, else 1048588 (Kafka's and MSK's default, 1 MiB + 12)
   * @example maxMessageBytes: 8_388_608
   */
  maxMessageBytes: z.optional(int(1)),
  /**
   * How values are written to an avro, protobuf or json-schema topic: in the topic's declared schema, framed for
   * its registry (required for such a topic, refused for others).
   * @default none: values as bytes, UTF-8 text or JSON
   * @example encoding: registryEncoding({ register: true })
   */
  encoding: z.optional(
    z.custom<RegistryEncoding>(
      (e) => (e as Partial<RegistryEncoding> | undefined)?.kind === 'registry-encoding',
      'must be registryEncoding(…)',
    ),
  ),
});

/** Kafka's (and MSK's) default `max.message.bytes`: 1 MiB plus the 12 bytes of log overhead. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Options of `toTopic`.
 * @typeParam V - the record value type: `when` reads it
 */
export type TopicOutputOptions<V = Loose> = Omit<z.input<typeof optionsSchema>, 'when' | 'encoding'> & {
  /**
   * How values are written to an avro, protobuf or json-schema topic: in the topic's declared schema, framed for
   * its registry (required for such a topic, refused for others).
   * @default none: values as bytes, UTF-8 text or JSON
   * @example encoding: registryEncoding({ register: true })
   */
  readonly encoding?: RegistryEncoding;
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
};
export interface TopicResources {
  readonly topics: readonly string[];
  readonly auth?: KafkaAuth['mode'];
  readonly secretArn?: string;
}

/** A topic output: the spec plus its registry encoding, when the topic is a registry topic. */
export type TopicOutputSpec<V = Loose> = DeclaredOutput<'topic', TopicResources, V> & {
  /** The registry encoding bound to the topic (data for the CDK grants). */
  readonly encoding?: TopicEncoding;
};

/**
 * Produce the flow's records to a Kafka topic (at least once, with lineage headers).
 * @typeParam V - the value type of the flow's records, which `when` reads
 * @typeParam W - the topic's value type, when declared with `typed` (else anything fits): the flow's records
 *   must fit it
 * @example toTopic(topics.reviewsAlerts, { when: where({ rating: { lte: 2 } }) })
 */
export const toTopic = <V extends W = Loose, W = unknown>(
  topic: ResourceRef | TopicRef<W>,
  options: TopicOutputOptions<V> = {},
): TopicOutputSpec<V> => {
  const topicName = nameOf(parseOptions(resourceName, topic, 'toTopic(topic)'));
  const declaredLimit = typeof topic === 'string' ? undefined : (topic as Partial<TopicRef>).maxMessageBytes;
  const path = `toTopic(${topicName})`;
  const opts = parseOptions(optionsSchema, options, path);
  const name = `topic:${topicName}`;
  const auth = opts.auth as KafkaAuth | undefined;
  const encoding = encodingOf(topic, opts.encoding as RegistryEncoding | undefined, path);
  return {
    kind: 'topic',
    name,
    ...whenOf(opts.when),
    ...(encoding ? { encoding } : {}),
    resources: {
      topics: [topicName],
      ...(auth ? { auth: auth.mode } : {}),
      ...(auth && 'secretArn' in auth ? { secretArn: auth.secretArn } : {}),
    },
    create: () =>
      lazyOutput(name, async () => {
        const [{ kafkaProducer, kafkaConnectionFromEnv }, { createTopicWriter }] = await Promise.all([
          import('../clients/kafka.ts'),
          import('./topic-writer.ts'),
        ]);
        const connection = kafkaConnectionFromEnv();
        const producer = kafkaProducer(auth ? { ...connection, auth } : connection);
        return createTopicWriter({
          ...limiterOf(opts.rateLimit),
          name,
          topic: topicName,
          producer: () => producer,
          maxMessageBytes: opts.maxMessageBytes ?? declaredLimit ?? DEFAULT_MAX_MESSAGE_BYTES,
          ...(encoding ? { encoder: encoding.encoder() } : {}),
        });
      }),
  };
};

/** A registry topic is written only with its encoding, and only a registry topic takes one. */
const encodingOf = (
  topic: ResourceRef | TopicRef,
  encoding: RegistryEncoding | undefined,
  path: string,
): TopicEncoding | undefined => {
  const ref = typeof topic === 'string' ? undefined : (topic as Partial<TopicRef>);
  if (ref?.registry === undefined) {
    if (encoding !== undefined)
      throw new ConfigError(
        `${path}.encoding`,
        `is for avro, protobuf and json-schema topics on a registry (${ref?.name ?? String(topic)} is ${ref?.format ?? 'not a declared topic'})`,
      );
    return undefined;
  }
  if (encoding === undefined)
    throw new ConfigError(
      `${path}.encoding`,
      `${ref.name} is a ${ref.format} topic on a registry: write it with { encoding: registryEncoding() }, which encodes values in its declared schema`,
    );
  return encoding.bind(ref as TopicRef, path);
};
