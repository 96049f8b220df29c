import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { RecordRejectedError } from '../errors.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import type { BackoffDeps } from './backoff.ts';
import {
  classifyRequestError,
  isRetriableEntryCode,
  isThrottlingError,
  sendEntries,
} from './entries-batch.ts';
import type { Output } from './output.ts';

/** PutEvents: 256 KiB per request (and so per entry). */
export const MAX_EVENTS_BYTES = 262_144;

export interface EventBridgeWriterDeps {
  readonly name: string;
  /** The bus's name or ARN (what PutEvents' EventBusName takes). */
  readonly bus: string;
  readonly busName: string;
  readonly source: string;
  readonly detailType: string | ((record: FlowRecord) => string);
  readonly detail?: (record: FlowRecord) => unknown;
  readonly client: () => Pick<EventBridgeClient, 'send'>;
  readonly concurrency: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/**
 * An entry's size as EventBridge counts it (its "Calculating PutEvents event entry size" page): 14 bytes for the
 * time, and the UTF-8 bytes of source, detail-type, detail and the bus name.
 */
export const eventBytes = (entry: PutEventsRequestEntry): number =>
  14 +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  Buffer.byteLength(entry.EventBusName ?? '');

/** Puts records on a bus as events, 10 a request, each at its record's time; tombstones are left out. */
export const createEventBridgeWriter = (deps: EventBridgeWriterDeps): Output => ({
  name: deps.name,
  async write(records, context) {
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const client = deps.client();
    const result = await sendEntries<PutEventsRequestEntry>(records, context, {
      name: deps.name,
      target: `event bus ${deps.busName}`,
      maxEntries: 10,
      maxBytes: MAX_EVENTS_BYTES,
      plan: (record) => {
        if (isTombstone(record)) return undefined;
        const detail = deps.detail ? deps.detail(record) : record.value;
        if (!isPlainObject(detail)) throw new RecordRejectedError('the event detail must be a JSON object');
        const detailType = typeof deps.detailType === 'string' ? deps.detailType : deps.detailType(record);
        if (typeof detailType !== 'string' || detailType.length === 0 || detailType.length > 128)
          throw new RecordRejectedError(
            `detail-type must be 1–128 characters, got ${JSON.stringify(detailType)}`,
          );
        const entry: PutEventsRequestEntry = {
          EventBusName: deps.bus,
          Source: deps.source,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          // The record's time, not the wall clock: a replayed event says when it happened.
          Time: new Date(record.source.timestamp),
        };
        return { record, entry, bytes: eventBytes(entry) };
      },
      send: async (entries) => {
        const answer = await client.send(new PutEventsCommand({ Entries: [...entries] }));
        if (!answer.FailedEntryCount) return [];
        // Answers are in request order; a failed one has an ErrorCode and no EventId.
        return (answer.Entries ?? []).flatMap((e, index) =>
          e.ErrorCode
            ? [
                {
                  index,
                  code: e.ErrorCode,
                  message: e.ErrorMessage ?? '',
                  retriable: isRetriableEntryCode(e.ErrorCode),
                },
              ]
            : [],
        );
      },
      classify: classifyRequestError,
      isThrottling: isThrottlingError,
      concurrency: deps.concurrency,
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
