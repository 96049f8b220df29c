import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { parseOptions } from './options.ts';
import {
  fifoCheck,
  type MessageOutputOptions,
  messageOptionsSchema,
  messageTarget,
} from './sns-sqs-options.ts';

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
): DeclaredOutput<'sqs', SqsResources, V> => {
  const target = messageTarget(queue, 'sqs', queueName, 'toSqs(queue)');
  const path = `toSqs(${target.name})`;
  const opts = parseOptions(messageOptionsSchema, options, path);
  const check = fifoCheck(target, opts.groupField, path);
  const name = `sqs:${target.name}`;
  return {
    kind: 'sqs',
    name,
    ...whenOf(opts.when),
    resources: { queue: target.ref, ...(opts.kmsKey ? { kmsKey: opts.kmsKey } : {}) },
    check,
    create: () =>
      lazyOutput(name, async () => {
        check(path);
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
        return createSqsWriter({
          name,
          queueUrl: QueueUrl,
          queueName: target.name,
          ...(opts.body ? { body: opts.body } : {}),
          attributes: opts.attributes ?? [],
          ...(opts.groupField ? { groupField: opts.groupField } : {}),
          fifo: target.fifo,
          concurrency: opts.concurrency,
          retry: { baseMs: 50, maxDelayMs: 2_000, budgetMs: opts.retryBudgetMs },
          client: () => client,
        });
      }),
  };
};
