import type { MappingConfig } from './config.ts';
import type { FetchedRecord } from './event.ts';

/** What an invocation returned, as the Lambda Invoke API reports it. */
export type InvocationOutcome =
  | { readonly ok: true; readonly payload: unknown }
  | {
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      /** Lambda refused the request before the function's code ran (an invocation error, not a function error). */
      readonly invokeError?: boolean;
    };

export interface DeliveryPorts {
  invoke(records: readonly FetchedRecord[]): Promise<InvocationOutcome>;
  /** Commits the partition up to (not including) `nextOffset`. */
  commit(nextOffset: number): Promise<void>;
  sendToDestination(records: readonly FetchedRecord[], reason: FailureReason): Promise<void>;
  sleep(ms: number): Promise<void>;
  nowMs(): number;
}

export interface FailureReason {
  readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  readonly errorType: string;
  readonly errorMessage: string;
  readonly attempts: number;
}

/**
 * What delivery counts: AWS's mapping metrics by their CloudWatch names, with AWS's meanings
 * (`shared/mapping-metrics.ts`), and the emulator's own figures in lower case.
 */
export interface DeliveryCounters {
  /** Records sent to the function, every attempt counted; not when Lambda refused the request. */
  InvokedEventCount: number;
  /** Records of attempts that failed: function error, invocation error, or a non-empty `batchItemFailures`. */
  FailedInvokeEventCount: number;
  /** Records given up on that no on-failure destination kept (none configured). */
  DroppedEventCount: number;
  /** Records given up on that the on-failure destination received. */
  OnFailureDestinationDeliveredEventCount: number;
  /** Attempts Lambda refused before the code ran (per batch). */
  InvokeErrorCount: number;
  /** Invocations, as the function's `Invocations` metric counts them (invocation errors excluded). */
  invocations: number;
  retries: number;
  /** Bisections of a failed batch (`splitBatchOnError`). */
  splits: number;
  partialFailures: number;
}

export const newCounters = (): DeliveryCounters => ({
  InvokedEventCount: 0,
  FailedInvokeEventCount: 0,
  DroppedEventCount: 0,
  OnFailureDestinationDeliveredEventCount: 0,
  InvokeErrorCount: 0,
  invocations: 0,
  retries: 0,
  splits: 0,
  partialFailures: 0,
});

/** The lowest offset this partition's batchItemFailures report, or why the response cannot be used. */
export const reportedFailure = (
  payload: unknown,
  records: readonly FetchedRecord[],
): { kind: 'none' } | { kind: 'from'; offset: number } | { kind: 'invalid'; message: string } => {
  const failures = (payload as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'none' };
  if (!Array.isArray(failures)) return { kind: 'invalid', message: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { kind: 'none' };
  const first = records[0] as FetchedRecord;
  const partitionId = `${first.topic}-${first.partition}`;
  const offsets = new Set(records.map((r) => r.offset));
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: { partition?: unknown; offset?: unknown } })?.itemIdentifier;
    const offset = Number(id?.offset);
    // An identifier that names no record of this batch makes Lambda treat the whole batch as failed.
    if (id?.partition !== partitionId || !offsets.has(offset)) {
      return {
        kind: 'invalid',
        message: `batchItemFailures names ${JSON.stringify(id)}, not a record of this batch`,
      };
    }
    lowest = Math.min(lowest, offset);
  }
  return { kind: 'from', offset: lowest };
};

const backoffMs = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 6), 5_000);
const lastOffset = (records: readonly FetchedRecord[]) =>
  (records[records.length - 1] as FetchedRecord).offset;

/**
 * Delivers one batch of one partition following the AWS rules for Kafka mappings: commit only after success;
 * on failure retry (forever by default), optionally bisect the batch, honour partial batch responses, give up on
 * records past the maximum age, and hand what cannot be delivered to the on-failure destination (or drop it when
 * there is none). Counts what AWS's mapping metrics count.
 */
export const deliverBatch = async (
  batch: readonly FetchedRecord[],
  config: MappingConfig,
  ports: DeliveryPorts,
  counters: DeliveryCounters,
): Promise<void> => {
  let pending = [...batch];
  let attempts = 0;
  // Without an on-failure destination AWS drops what it gives up on (DroppedEventCount) and moves on.
  const giveUp = async (records: readonly FetchedRecord[], reason: FailureReason) => {
    if (!config.onFailure) {
      counters.DroppedEventCount += records.length;
      return;
    }
    await ports.sendToDestination(records, reason);
    counters.OnFailureDestinationDeliveredEventCount += records.length;
  };
  while (pending.length > 0) {
    const outcome = await ports.invoke(pending);
    if (outcome.ok || !outcome.invokeError) {
      counters.invocations++;
      counters.InvokedEventCount += pending.length;
    } else {
      counters.InvokeErrorCount++;
    }
    let failure: { errorType: string; errorMessage: string } | undefined;
    if (outcome.ok) {
      const reported = config.reportBatchItemFailures
        ? reportedFailure(outcome.payload, pending)
        : { kind: 'none' as const };
      if (reported.kind === 'none') {
        await ports.commit(lastOffset(pending) + 1);
        return;
      }
      // AWS counts every record of a response whose batchItemFailures is not empty as a failed invoke.
      counters.FailedInvokeEventCount += pending.length;
      if (reported.kind === 'from') {
        counters.partialFailures++;
        // Everything before the reported offset succeeded; the partition resumes from it.
        await ports.commit(reported.offset);
        pending = pending.filter((r) => r.offset >= reported.offset);
        failure = {
          errorType: 'PartialBatchFailure',
          errorMessage: `batchItemFailures from offset ${reported.offset}`,
        };
      } else {
        failure = { errorType: 'InvalidBatchItemFailures', errorMessage: reported.message };
      }
    } else {
      failure = { errorType: outcome.errorType, errorMessage: outcome.errorMessage };
      counters.FailedInvokeEventCount += pending.length;
      if (config.splitBatchOnError && pending.length > 1) {
        // Bisecting does not count against the retry budget: each half starts afresh.
        counters.splits++;
        const middle = Math.ceil(pending.length / 2);
        await deliverBatch(pending.slice(0, middle), config, ports, counters);
        await deliverBatch(pending.slice(middle), config, ports, counters);
        return;
      }
    }
    attempts++;
    if (Number.isFinite(config.maximumRecordAgeSeconds)) {
      const oldestAllowed = ports.nowMs() - config.maximumRecordAgeSeconds * 1000;
      const expired = pending.filter((r) => r.timestamp < oldestAllowed);
      if (expired.length > 0) {
        await giveUp(expired, { condition: 'RecordAgeExceeded', ...failure, attempts });
        pending = pending.filter((r) => r.timestamp >= oldestAllowed);
        if (pending.length === 0) {
          await ports.commit(lastOffset(expired) + 1);
          return;
        }
      }
    }
    if (attempts > config.maximumRetryAttempts) {
      await giveUp(pending, { condition: 'RetryAttemptsExhausted', ...failure, attempts });
      await ports.commit(lastOffset(pending) + 1);
      return;
    }
    counters.retries++;
    await ports.sleep(backoffMs(attempts));
  }
};
