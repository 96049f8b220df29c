import { RecordRejectedError, RetriableError, Stage } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { type BackoffDeps, jitteredDelay, realClock, retryBudget } from './backoff.ts';
import type { HttpCredentials } from './http-auth.ts';
import {
  type HttpRequestPlan,
  IdempotencyHeader,
  planHttp,
  RecordKeysHeader,
  requestBody,
  requestKey,
  splitRequest,
} from './http-requests.ts';
import { type Fetch, HttpOutcome, sendHttp } from './http-send.ts';
import type { DeadLetter, Output } from './output.ts';
import { type RateLimiter, waitDeadline } from './rate-limit.ts';

export interface HttpWriterDeps {
  readonly name: string;
  readonly url: URL;
  readonly method: string;
  /** Declared headers, names in lower case, sent on every request (none that the output sets itself). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: (record: FlowRecord) => unknown;
  readonly batch?: { readonly maxRecords: number; readonly maxBytes: number };
  /** One request's time at most (shortened to what the invocation has left). */
  readonly timeoutMs: number;
  /** Requests in flight at once, over all partitions and invocations of the execution environment. */
  readonly concurrency: number;
  readonly ordered: boolean;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly limiter?: RateLimiter;
  readonly credentials?: HttpCredentials;
  readonly fetch?: Fetch;
  readonly clock?: BackoffDeps;
}

/** At most `size` calls of `run` at once; the others wait in order of arrival. */
const slots = (size: number) => {
  let free = size;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
};

/**
 * Sends a batch to an HTTP endpoint: per record (JSON) or batched (NDJSON), each request with an idempotency key
 * from lineage. Throttling, server errors and timeouts are retried with backoff (at least what `Retry-After`
 * asks) within a bounded time, then the batch fails and keeps its records; a request the endpoint refuses as
 * bad (another 4xx) is split until the records it refuses are alone, and those are dead-lettered with the
 * status and an excerpt of the answer.
 */
export const createHttpWriter = (deps: HttpWriterDeps): Output => {
  const clock = deps.clock ?? realClock;
  const fetchFn = deps.fetch ?? fetch;
  const inFlight = slots(deps.concurrency);
  const contentType = deps.batch ? 'application/x-ndjson' : 'application/json';
  const target = `${deps.method} ${deps.url.origin}${deps.url.pathname}`;

  return {
    name: deps.name,
    async write(records, context) {
      const deadLetters: DeadLetter[] = [];
      const reject = (record: FlowRecord, error: RecordRejectedError) =>
        deadLetters.push({ record, stage: Stage.Output, error, component: deps.name });
      const { lanes, rejected } = planHttp(records, {
        flowName: context.flowName,
        outputName: deps.name,
        trustsLineage: context.trustsLineage ?? false,
        ...(deps.body ? { body: deps.body } : {}),
        ...(deps.batch ? { batch: deps.batch } : {}),
        ordered: deps.ordered,
      });
      for (const [record, error] of rejected) reject(record, error);

      const started = clock.now();
      const deadline = waitDeadline(context.deadlineMs, started);
      const retryUntil = started + retryBudget(deps.retry.budgetMs, context.deadlineMs);
      let failure: RetriableError | undefined;
      // 429 and 503 are the endpoint asking the flow to slow down: counted for the output's throttling alarm.
      let throttled = 0;

      const headersFor = async (request: HttpRequestPlan): Promise<Record<string, string>> => ({
        'content-type': contentType,
        ...deps.headers,
        [IdempotencyHeader]: requestKey(request),
        ...(request.batched ? { [RecordKeysHeader]: request.items.map((item) => item.key).join(',') } : {}),
        ...(deps.credentials ? { authorization: await deps.credentials.authorization() } : {}),
      });

      const deliver = async (request: HttpRequestPlan): Promise<void> => {
        const body = requestBody(request);
        for (let attempt = 0; ; attempt += 1) {
          if (failure) throw failure;
          await deps.limiter?.acquire(request.items.length, deadline);
          const headers = await headersFor(request);
          const result = await inFlight(() => {
            const left = deadline === undefined ? deps.timeoutMs : deadline - clock.now();
            if (left <= 0)
              throw new RetriableError(`${deps.name}: no time left in the invocation for ${target}`);
            return sendHttp(
              {
                url: deps.url,
                method: deps.method,
                headers,
                body,
                timeoutMs: Math.min(deps.timeoutMs, left),
              },
              { fetch: fetchFn, now: clock.now },
            );
          });
          switch (result.outcome) {
            case HttpOutcome.Delivered:
              return;
            case HttpOutcome.Refused:
              if (result.status === 401 || result.status === 403) deps.credentials?.forget();
              throw new RetriableError(`${deps.name}: ${target} ${result.problem}`);
            case HttpOutcome.Rejected: {
              const [only] = request.items;
              if (request.items.length === 1 && only) {
                reject(only.record, new RecordRejectedError(`${target} ${result.problem}`));
                return;
              }
              // Which records it refuses: halves, in order, until they are alone.
              for (const half of splitRequest(request)) await deliver(half);
              return;
            }
            case HttpOutcome.Retry: {
              if (result.status === 429 || result.status === 503) throttled += 1;
              const delay = Math.max(
                result.retryAfterMs ?? 0,
                jitteredDelay(attempt, deps.retry, clock.random),
              );
              if (clock.now() + delay > retryUntil) {
                throw new RetriableError(
                  `${deps.name}: ${target} ${result.problem}; not retried further (${attempt + 1} attempt(s), next wait ${delay} ms exceeds the retry budget)`,
                );
              }
              await clock.sleep(delay);
            }
          }
        }
      };

      const runLane = async (lane: readonly HttpRequestPlan[]): Promise<void> => {
        try {
          for (const request of lane) await deliver(request);
        } catch (error) {
          // The first failure stops every lane: the batch is retried whole anyway.
          failure ??=
            error instanceof RetriableError
              ? error
              : new RetriableError(`${deps.name}: ${String(error)}`, { cause: error });
        }
      };
      await Promise.all(lanes.map(runLane));
      if (failure) throw failure;
      return {
        written: records.length - deadLetters.length,
        deadLetters,
        ...(throttled > 0 ? { throttled } : {}),
      };
    },
  };
};
