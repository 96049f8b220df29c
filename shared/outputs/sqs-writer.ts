import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
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

export interface SqsWriterDeps extends MessagePlan {
  readonly name: string;
  /** The queue's URL (GetQueueUrl's answer). */
  readonly queueUrl: string;
  readonly queueName: string;
  readonly client: () => Pick<SQSClient, 'send'>;
  readonly concurrency: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

/**
 * Sends records to a queue with SendMessageBatch, 10 messages and 256 KiB a request; tombstones are left out.
 * On a FIFO queue each message has its group id and a deduplication id from lineage, and requests go one at a time.
 */
export const createSqsWriter = (deps: SqsWriterDeps): Output => ({
  name: deps.name,
  async write(records, context) {
    const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    const trusted = context.trustsLineage ?? false;
    const dedup = deduplicationIds(trusted);
    const client = deps.client();
    const result = await sendEntries<SendMessageBatchRequestEntry>(records, context, {
      name: deps.name,
      target: `queue ${deps.queueName}`,
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
            MessageBody: message.body,
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
          new SendMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries: [...entries] }),
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
