import * as z from 'zod/mini';
import type { KafkaAuth } from '../clients/kafka-auth.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { int, nameOf, oneOf, parseOptions, type ResourceRef, resourceName } from './options.ts';

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
  when: z.optional(z.unknown()),
  /** Auth for the producer; by default from SLUICE_KAFKA_AUTH (plaintext when unset). */
  auth: z.optional(authSchema),
  /** Records larger than this are dead-lettered (the broker default message.max.bytes is ~1 MiB). */
  maxMessageBytes: z._default(int(1), 1024 * 1024),
});

export type TopicOutputOptions = z.input<typeof optionsSchema>;
export interface TopicResources {
  readonly topics: readonly string[];
  readonly auth?: KafkaAuth['mode'];
  readonly secretArn?: string;
}

/** Produce the flow's records to a Kafka topic (at least once, with lineage headers). */
export const toTopic = (
  topic: ResourceRef,
  options: TopicOutputOptions = {},
): DeclaredOutput<'topic', TopicResources> => {
  const topicName = nameOf(parseOptions(resourceName, topic, 'toTopic(topic)'));
  const opts = parseOptions(optionsSchema, options, `toTopic(${topicName})`);
  const name = `topic:${topicName}`;
  const auth = opts.auth as KafkaAuth | undefined;
  return {
    kind: 'topic',
    name,
    ...whenOf(opts.when),
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
          name,
          topic: topicName,
          producer: () => producer,
          maxMessageBytes: opts.maxMessageBytes,
        });
      }),
  };
};
