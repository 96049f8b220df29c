import type { SQSClient } from '@aws-sdk/client-sqs';
import { createMessageWriter, fifoFields, type MessageWriterDeps } from './message-writer.ts';
import type { Output } from './output.ts';

export interface SqsWriterDeps extends MessageWriterDeps {
  /** The queue's URL (GetQueueUrl's answer). */
  readonly queueUrl: string;
  readonly queueName: string;
  readonly client: () => Pick<SQSClient, 'send'>;
}

/** Sends records to a queue with SendMessageBatch (see createMessageWriter). */
export const createSqsWriter = (deps: SqsWriterDeps): Output =>
  createMessageWriter(deps, async () => {
    const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    const client = deps.client();
    return {
      target: `queue ${deps.queueName}`,
      entry: (Id, message) => ({
        Id,
        MessageBody: message.body,
        MessageAttributes: message.attributes,
        ...fifoFields(message),
      }),
      send: (Entries) => client.send(new SendMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries })),
    };
  });
