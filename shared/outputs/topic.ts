import { z } from 'zod';
import type { KafkaAuth } from '../clients/kafka-auth.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { nameOf, parseOptions, type ResourceRef, resourceName } from './options.ts';

const authSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('plaintext') }),
  z.strictObject({ mode: z.literal('tls') }),
  z.strictObject({ mode: z.literal('iam') }),
  z.strictObject({
    mode: z.enum(['scram-sha-256', 'scram-sha-512']),
    secretArn: z.string().startsWith('arn:'),
  }),
]);

const optionsSchema = z.strictObject({
  when: z.unknown().optional(),
  /** Auth for the producer; by default from SLUICE_KAFKA_AUTH (plaintext when unset). */
  auth: authSchema.optional(),
  /** Records larger than this are dead-lettered (the broker default message.max.bytes is ~1 MiB). */
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
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
