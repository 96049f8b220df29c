import type { PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { isTombstone } from '../record.ts';
import type { BackoffDeps } from './backoff.ts';
import {
  classifyRequestError,
  isRetriableEntryCode,
  isThrottlingError,
  sendEntries,
} from './entries-batch.ts';
import type { Output } from './output.ts';
import { deduplicationIds, MAX_MESSAGE_BYTES, type MessagePlan, planMessage } from './sns-sqs-message.ts';

export interface SnsWriterDeps extends MessagePlan {
  readonly name: string;
  readonly topicArn: string;
  readonly topicName: string;
  readonly client: () => Pick<SNSClient, 'send'>;
  readonly concurrency: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

/**
 * Publishes records to a topic with PublishBatch, 10 messages and 256 KiB a request; tombstones are left out.
 * On a FIFO topic each message has its group id and a deduplication id from lineage, and requests go one at a time.
 */
export const createSnsWriter = (deps: SnsWriterDeps): Output => ({
  name: deps.name,
  async write(records, context) {
    const { PublishBatchCommand } = await import('@aws-sdk/client-sns');
    const trusted = context.trustsLineage ?? false;
    const dedup = deduplicationIds(trusted);
    const client = deps.client();
    const result = await sendEntries<PublishBatchRequestEntry>(records, context, {
      name: deps.name,
      target: `topic ${deps.topicName}`,
      maxEntries: 10,
      maxBytes: MAX_MESSAGE_BYTES,
      plan: (record, index) => {
        if (isTombstone(record)) return undefined;
        const message = planMessage(record, deps, { trusted, dedup });
        return {
          record,
          bytes: message.bytes,
          entry: {
            Id: String(index),
            Message: message.body,
            MessageAttributes: message.attributes,
            ...(message.groupId !== undefined ? { MessageGroupId: message.groupId } : {}),
            ...(message.deduplicationId !== undefined
              ? { MessageDeduplicationId: message.deduplicationId }
              : {}),
          },
        };
      },
      send: async (entries) => {
        const answer = await client.send(
          new PublishBatchCommand({ TopicArn: deps.topicArn, PublishBatchRequestEntries: [...entries] }),
        );
        const place = new Map(entries.map((e, i) => [e.Id, i]));
        return (answer.Failed ?? []).map((f) => ({
          index: place.get(f.Id) ?? -1,
          code: f.Code ?? 'unknown',
          message: f.Message ?? '',
          retriable: !f.SenderFault || isRetriableEntryCode(f.Code ?? ''),
        }));
      },
      classify: classifyRequestError,
      isThrottling: isThrottlingError,
      concurrency: deps.fifo ? 1 : deps.concurrency,
      retry: deps.retry,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    return {
      written: result.written,
      deadLetters: result.deadLetters,
      ...(result.throttled > 0 ? { throttled: result.throttled } : {}),
    };
  },
});
