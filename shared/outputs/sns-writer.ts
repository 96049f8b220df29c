import type { SNSClient } from '@aws-sdk/client-sns';
import { createMessageWriter, fifoFields, type MessageWriterDeps } from './message-writer.ts';
import type { Output } from './output.ts';

export interface SnsWriterDeps extends MessageWriterDeps {
  readonly topicArn: string;
  readonly topicName: string;
  readonly client: () => Pick<SNSClient, 'send'>;
}

/** Publishes records to a topic with PublishBatch (see createMessageWriter). */
export const createSnsWriter = (deps: SnsWriterDeps): Output =>
  createMessageWriter(deps, async () => {
    const { PublishBatchCommand } = await import('@aws-sdk/client-sns');
    const client = deps.client();
    return {
      target: `topic ${deps.topicName}`,
      entry: (Id, message) => ({
        Id,
        Message: message.body,
        MessageAttributes: message.attributes,
        ...fifoFields(message),
      }),
      send: (PublishBatchRequestEntries) =>
        client.send(new PublishBatchCommand({ TopicArn: deps.topicArn, PublishBatchRequestEntries })),
    };
  });
