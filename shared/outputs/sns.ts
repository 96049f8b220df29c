import { ConfigError } from '../errors.ts';
import type { Loose } from '../steps/step.ts';
import type { DeclaredOutput } from './declared.ts';
import { messageOutput } from './message-output.ts';
import type { MessageOutputOptions } from './sns-sqs-options.ts';

export interface SnsResources {
  /** The topic's name or ARN, as declared. */
  readonly notificationTopic: string;
  readonly kmsKey?: string;
}

// SNS: up to 256 letters, digits, hyphens and underscores; a FIFO topic's name ends in `.fifo`.
const topicName = /^[A-Za-z0-9_-]{1,251}(\.fifo|[A-Za-z0-9_-]{0,5})$/;

const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * A topic's ARN: as declared, or built from its name and the function's account, which the CDK app passes as
 * `SLUICE_ACCOUNT_ID` (Lambda sets no account variable; the local runner passes moto's).
 */
export const topicArnOf = (ref: string, env: NodeJS.ProcessEnv = process.env): string => {
  if (ref.startsWith('arn:')) return ref;
  const account = env.SLUICE_ACCOUNT_ID?.trim();
  if (!account)
    throw new ConfigError(
      `toSns(${ref})`,
      'SLUICE_ACCOUNT_ID is not set: give the topic ARN, or deploy with the CDK app',
    );
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return `arn:${partitionOf(region)}:sns:${region}:${account}:${ref}`;
};

/**
 * Publish the flow's records to an SNS topic (PublishBatch, 10 a request). A name is a topic the app creates; an
 * ARN an existing topic. On a FIFO topic (`….fifo`), `groupField` names each message's group and the
 * deduplication id comes from lineage, so a replayed batch is dropped by the topic within its 5-minute window.
 * @typeParam V - the value type of the flow's records, which `body` and `groupField` read
 * @example toSns('review-alerts', { body: (record) => ({ reviewId: record.value.reviewId }) })
 */
export const toSns = <V = Loose>(
  topic: string,
  options: MessageOutputOptions<V> = {},
): DeclaredOutput<'sns', SnsResources, V> =>
  messageOutput<'sns', SnsResources, V>(
    {
      kind: 'sns',
      factory: 'toSns',
      pattern: topicName,
      resources: (target) => ({ notificationTopic: target.ref }),
      writer: async (target, deps) => {
        const [{ snsClient }, { createSnsWriter }] = await Promise.all([
          import('../clients/sns.ts'),
          import('./sns-writer.ts'),
        ]);
        const client = await snsClient();
        return createSnsWriter({
          ...deps,
          topicArn: topicArnOf(target.ref),
          topicName: target.name,
          client: () => client,
        });
      },
    },
    topic,
    options,
  );
