import type { Loose } from '../steps/step.ts';
import type { DeclaredOutput } from './declared.ts';
import { messageOutput } from './message-output.ts';
import type { MessageOutputOptions } from './sns-sqs-options.ts';

export interface SqsResources {
  /** The queue's name or ARN, as declared. */
  readonly queue: string;
  readonly kmsKey?: string;
}

// SQS: up to 80 letters, digits, hyphens and underscores; a FIFO queue's name ends in `.fifo`.
const queueName = /^[A-Za-z0-9_-]{1,75}(\.fifo|[A-Za-z0-9_-]{0,5})$/;

/**
 * Send the flow's records to an SQS queue (SendMessageBatch, 10 a request). A name is a queue the app creates; an
 * ARN an existing queue. On a FIFO queue (`….fifo`), `groupField` names each message's group and the
 * deduplication id comes from lineage, so a replayed batch is dropped by the queue within its 5-minute window.
 * @typeParam V - the value type of the flow's records, which `body` and `groupField` read
 * @example toSqs('review-alerts.fifo', { groupField: 'customerId', attributes: ['traceparent'] })
 */
export const toSqs = <V = Loose>(
  queue: string,
  options: MessageOutputOptions<V> = {},
): DeclaredOutput<'sqs', SqsResources, V> =>
  messageOutput<'sqs', SqsResources, V>(
    {
      kind: 'sqs',
      factory: 'toSqs',
      pattern: queueName,
      resources: (target) => ({ queue: target.ref }),
      writer: async (target, deps) => {
        const [{ sqsClient }, { createSqsWriter }, { GetQueueUrlCommand }] = await Promise.all([
          import('../clients/sqs.ts'),
          import('./sqs-writer.ts'),
          import('@aws-sdk/client-sqs'),
        ]);
        const client = await sqsClient();
        const owner = target.ref.startsWith('arn:') ? target.ref.split(':')[4] : undefined;
        // Once per execution environment: the URL is what SendMessageBatch takes.
        const { QueueUrl } = await client.send(
          new GetQueueUrlCommand({
            QueueName: target.name,
            ...(owner ? { QueueOwnerAWSAccountId: owner } : {}),
          }),
        );
        if (!QueueUrl) throw new Error(`GetQueueUrl gave no URL for queue ${target.name}`);
        return createSqsWriter({ ...deps, queueUrl: QueueUrl, queueName: target.name, client: () => client });
      },
    },
    queue,
    options,
  );
