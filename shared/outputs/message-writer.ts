import { isTombstone } from '../record.ts';
import type { BackoffDeps } from './backoff.ts';
import {
  classifyRequestError,
  isRetriableEntryCode,
  isThrottlingError,
  sendEntries,
} from './entries-batch.ts';
import type { Output } from './output.ts';
import {
  deduplicationIds,
  MAX_MESSAGE_BYTES,
  type Message,
  type MessagePlan,
  planMessage,
} from './sns-sqs-message.ts';

/** What SQS and SNS writers are given alike. */
export interface MessageWriterDeps extends MessagePlan {
  readonly name: string;
  readonly concurrency: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

/** A batch answer's per-entry failure, as SendMessageBatch and PublishBatch both give it. */
interface FailedEntry {
  readonly Id?: string | undefined;
  readonly Code?: string | undefined;
  readonly Message?: string | undefined;
  readonly SenderFault?: boolean | undefined;
}

/** The one service-specific part of a message writer: how a message becomes an entry and how entries are sent. */
export interface MessageService<E extends { readonly Id?: string | undefined }> {
  /** The target as messages and dead letters name it (`queue orders.fifo`). */
  readonly target: string;
  readonly entry: (id: string, message: Message) => E;
  readonly send: (entries: E[]) => Promise<{ readonly Failed?: readonly FailedEntry[] | undefined }>;
}

/** The FIFO fields of an entry, present only when the message has them. */
export const fifoFields = (message: Message) => ({
  ...(message.groupId !== undefined ? { MessageGroupId: message.groupId } : {}),
  ...(message.deduplicationId !== undefined ? { MessageDeduplicationId: message.deduplicationId } : {}),
});

/**
 * Sends records as messages through a 10-entry batch API within 256 KiB a request; tombstones are left out. On a
 * FIFO target each message has its group id and a deduplication id from lineage, and requests go one at a time.
 * `service` is loaded on the first write, so the SDK is imported only then.
 */
export const createMessageWriter = <E extends { readonly Id?: string | undefined }>(
  deps: MessageWriterDeps,
  service: () => Promise<MessageService<E>>,
): Output => ({
  name: deps.name,
  async write(records, context) {
    const { target, entry, send } = await service();
    const trusted = context.trustsLineage ?? false;
    const dedup = deduplicationIds(trusted);
    const result = await sendEntries<E>(records, context, {
      name: deps.name,
      target,
      maxEntries: 10,
      maxBytes: MAX_MESSAGE_BYTES,
      plan: (record, index) => {
        if (isTombstone(record)) return undefined;
        const message = planMessage(record, deps, { trusted, dedup });
        return { record, bytes: message.bytes, entry: entry(String(index), message) };
      },
      send: async (entries) => {
        const answer = await send([...entries]);
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
      ...(result.skipped > 0 ? { skipped: result.skipped } : {}),
      ...(result.throttled > 0 ? { throttled: result.throttled } : {}),
    };
  },
});
