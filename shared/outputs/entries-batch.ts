import { RecordRejectedError, RetriableError, Stage } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { type BackoffDeps, backoff, realClock, retryBudget } from './backoff.ts';
import type { DeadLetter, OutputContext, OutputResult } from './output.ts';

/**
 * Sending records through an AWS batch API that takes a few entries per request within a byte limit and answers
 * per entry (SQS SendMessageBatch, SNS PublishBatch, EventBridge PutEvents): entries over the limit are dead
 * letters, the rest go 10 at a time; per-entry failures are retried when the service says they may succeed later
 * and dead-lettered when not; a throttled or failing request is retried within the time left, then the batch
 * fails (and keeps its records).
 */

/** One record's entry, built by the output (body, attributes, ids). */
export interface PlannedEntry<E> {
  readonly record: FlowRecord;
  readonly entry: E;
  /** Its size as the service counts it against the per-entry and per-request limits. */
  readonly bytes: number;
}

/** A per-entry failure in a batch answer, by the entry's place in the request. */
export interface EntryFailure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
  /** The service says the entry may succeed if sent again (its fault, throttling), not the sender's. */
  readonly retriable: boolean;
}

/** What to do when a whole request fails. */
export const RequestOutcome = {
  /** Throttled, a server error or no answer: send the same entries again after a delay. */
  Retry: 'retry',
  /** The target refuses everything (missing, access denied, key disabled): fail the batch, it is not the records. */
  Fail: 'fail',
  /** One of the entries made the request invalid: send them one by one to find it. */
  Isolate: 'isolate',
} as const;
export type RequestOutcome = (typeof RequestOutcome)[keyof typeof RequestOutcome];

export interface EntriesBatchOptions<E> {
  /** The output's name: the dead letters' component. */
  readonly name: string;
  /** The target as the messages say it (`queue orders.fifo`). */
  readonly target: string;
  /** Entries per request (10 for all three services). */
  readonly maxEntries: number;
  /** Bytes per request and per entry (256 KiB for all three services). */
  readonly maxBytes: number;
  /** Builds a record's entry; a throw dead-letters the record; undefined leaves it out (a skipped tombstone). */
  readonly plan: (record: FlowRecord, index: number) => PlannedEntry<E> | undefined;
  /** Sends one request; resolves with its per-entry failures, throws when the request itself failed. */
  readonly send: (entries: readonly E[]) => Promise<readonly EntryFailure[]>;
  /** How a request's own failure is handled. */
  readonly classify: (error: unknown) => RequestOutcome;
  /** True for an error that is throttling (counted for the output's throttling alarm). */
  readonly isThrottling: (error: unknown) => boolean;
  /** Requests in flight at once; 1 keeps the records' order (FIFO targets). */
  readonly concurrency: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

export const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Cuts entries, in order, into requests of at most `maxEntries` and `maxBytes`. */
export const chunkEntries = <T extends { readonly bytes: number }>(
  entries: readonly T[],
  maxEntries: number,
  maxBytes: number,
): T[][] => {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (chunk.length > 0 && (chunk.length >= maxEntries || bytes + entry.bytes > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += entry.bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};

/** Writes records as batched entries; see the module's comment. */
export const sendEntries = async <E>(
  records: readonly FlowRecord[],
  context: OutputContext,
  options: EntriesBatchOptions<E>,
): Promise<
  OutputResult & { readonly requests: number; readonly throttled: number; readonly skipped: number }
> => {
  const deadLetters: DeadLetter[] = [];
  const reject = (record: FlowRecord, error: RecordRejectedError) =>
    deadLetters.push({ record, stage: Stage.Output, error, component: options.name });
  const planned: PlannedEntry<E>[] = [];
  let skipped = 0;
  records.forEach((record, index) => {
    try {
      const entry = options.plan(record, index);
      if (entry === undefined) skipped += 1;
      else if (entry.bytes > options.maxBytes) {
        reject(
          record,
          new RecordRejectedError(
            `${options.target}: the message is ${entry.bytes} bytes, over the ${options.maxBytes}-byte limit`,
          ),
        );
      } else planned.push(entry);
    } catch (error) {
      reject(
        record,
        error instanceof RecordRejectedError
          ? error
          : new RecordRejectedError(`${options.target}: cannot build the message: ${describe(error)}`, {
              cause: error,
            }),
      );
    }
  });

  const budget = { ...options.retry, budgetMs: retryBudget(options.retry.budgetMs, context.deadlineMs) };
  let requests = 0;
  let throttled = 0;
  const request = async (entries: readonly PlannedEntry<E>[]) => {
    requests += 1;
    return options.send(entries.map((e) => e.entry));
  };

  const sendChunk = async (chunk: readonly PlannedEntry<E>[]): Promise<void> => {
    const wait = backoff(budget, options.clock ?? realClock);
    let pending = chunk;
    let lastProblem = '';
    while (pending.length > 0) {
      try {
        const failures = await request(pending);
        const again: PlannedEntry<E>[] = [];
        for (const failure of failures) {
          const entry = pending[failure.index];
          if (!entry) continue;
          if (failure.retriable) again.push(entry);
          else
            reject(
              entry.record,
              new RecordRejectedError(
                `${options.target} refused the message: ${failure.code}: ${failure.message}`,
              ),
            );
        }
        if (again.length > 0) lastProblem = `${again.length} entries failed: ${failures[0]?.code ?? ''}`;
        pending = again;
      } catch (error) {
        const outcome = options.classify(error);
        if (outcome === RequestOutcome.Fail)
          throw new RetriableError(`${options.target}: ${describe(error)}`, { cause: error });
        if (outcome === RequestOutcome.Isolate) {
          if (pending.length === 1) {
            const [only] = pending;
            if (only)
              reject(
                only.record,
                new RecordRejectedError(`${options.target} refused the message: ${describe(error)}`),
              );
            return;
          }
          // One request per entry, in order, so the one the service refuses is found and the others still go.
          for (const entry of pending) await sendChunk([entry]);
          return;
        }
        if (options.isThrottling(error)) throttled += 1;
        lastProblem = describe(error);
      }
      if (pending.length > 0 && !(await wait())) {
        throw new RetriableError(`${options.target}: messages still not sent after retrying: ${lastProblem}`);
      }
    }
  };

  const queue = chunkEntries(planned, options.maxEntries, options.maxBytes);
  const failures: unknown[] = [];
  const worker = async () => {
    for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
      try {
        await sendChunk(chunk);
      } catch (error) {
        failures.push(error);
        queue.length = 0;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  const failure = failures[0];
  if (failure !== undefined) {
    throw failure instanceof RetriableError
      ? failure
      : new RetriableError(`${options.target}: ${describe(failure)}`, { cause: failure });
  }
  return {
    written: records.length - deadLetters.length - skipped,
    deadLetters,
    requests,
    throttled,
    skipped,
  };
};

// Error names (SDK v3's `error.name`, the service's code) across SQS, SNS and EventBridge.
const throttlingNames = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'KMSThrottlingException',
  'KMSThrottling',
]);
/** The request was refused for something one of its entries holds. */
const contentNames = new Set([
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameter',
  'InvalidParameterException',
  'ValidationException',
  'ValidationError',
  'InvalidMessageContents',
  'InvalidAttributeValue',
  'InvalidAttributeName',
  'BatchRequestTooLong',
]);

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

export const isThrottlingError = (error: unknown): boolean =>
  error instanceof Error && (throttlingNames.has(error.name) || statusOf(error) === 429);

/**
 * A request's own failure: throttling, a 5xx or no answer is retried; a refusal of an entry's content isolates
 * the entry; anything else (access denied, a missing target, a disabled key, an unknown error) fails the batch,
 * which keeps its records, rather than dead-letter records for a state of the target.
 */
export const classifyRequestError = (error: unknown): RequestOutcome => {
  if (!(error instanceof Error)) return RequestOutcome.Fail;
  if (isThrottlingError(error)) return RequestOutcome.Retry;
  const status = statusOf(error);
  if (status === undefined || status >= 500) return RequestOutcome.Retry;
  if (contentNames.has(error.name)) return RequestOutcome.Isolate;
  return RequestOutcome.Fail;
};

/** A per-entry code worth sending again: throttling or the service's own failure. */
export const isRetriableEntryCode = (code: string): boolean =>
  throttlingNames.has(code) || /^(InternalFailure|InternalError|ServiceUnavailable)/.test(code);
