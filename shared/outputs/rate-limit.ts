/**
 * Per-output rate limits: a token bucket an output takes from before each request it sends, so a flow slows
 * down to what a target allows instead of failing on its throttling.
 *
 * One bucket per output per execution environment (made in the output's `create()`), shared by every partition
 * that environment writes. Lambda runs many environments at once (up to one per partition being read), so the
 * rate a target sees is `perSecond` times the flow's concurrent environments.
 */
import { RetriableError } from '../errors.ts';
import { type BackoffDeps, realClock } from './backoff.ts';

// No zod here: the writers, which outputs import dynamically, import this module, and a zod reached through a
// dynamic import is bundled whole (its locales included) instead of tree-shaken. The option's schema is in
// rate-limit-option.ts.

/**
 * A rate limit on an output, per execution environment: Lambda runs one environment per concurrent invocation,
 * so the target sees `perSecond` times the flow's concurrency at most.
 * @example rateLimit: { perSecond: 100, burst: 500 }
 */
export interface RateLimit {
  /**
   * Sustained rate, per execution environment (Lambda's concurrency multiplies it).
   * @example perSecond: 50
   */
  readonly perSecond: number;
  /**
   * Units that may go at once after a quiet spell (the bucket's size).
   * @default perSecond (at least 1)
   * @example burst: 200
   */
  readonly burst?: number;
  /**
   * What one unit is: a record, or a request (a Kafka send, an S3 object, a bulk request, a write call, an HTTP
   * request) whatever it carries.
   * @default 'record'
   * @example per: 'request'
   */
  readonly per?: 'record' | 'request';
}

/** Waits for room to send; shared by all partitions an execution environment writes. */
export interface RateLimiter {
  /**
   * Resolves when a request carrying `records` records may go. Waiters are served in order of arrival. Throws a
   * RetriableError at once, without waiting or taking anything, when the wait would end after `deadline`
   * (epoch ms): the batch fails and is retried rather than running out the invocation's time.
   */
  acquire(records: number, deadline?: number): Promise<void>;
}

/** Makes the bucket for a validated `rateLimit` option, full at first. */
export const rateLimiter = (
  limit: RateLimit,
  clock: Pick<BackoffDeps, 'now' | 'sleep'> = realClock,
): RateLimiter => {
  const perMs = limit.perSecond / 1000;
  const capacity = limit.burst ?? Math.max(1, limit.perSecond);
  let tokens = capacity;
  let updatedAt = clock.now();
  return {
    async acquire(records, deadline) {
      const now = clock.now();
      tokens = Math.min(capacity, tokens + (now - updatedAt) * perMs);
      updatedAt = now;
      const cost = limit.per === 'request' ? 1 : Math.max(0, records);
      // Reserve now, wait out the debt: later callers queue behind it, and a request larger than the bucket
      // still goes (after its excess has accrued) instead of waiting forever.
      const after = tokens - cost;
      const waitMs = after >= 0 ? 0 : Math.ceil(-after / perMs);
      if (deadline !== undefined && now + waitMs > deadline) {
        throw new RetriableError(
          `rate limit (${limit.perSecond}/s per ${limit.per ?? 'record'}) needs ${waitMs} ms more than the invocation has left`,
        );
      }
      tokens = after;
      if (waitMs > 0) await clock.sleep(waitMs);
    },
  };
};

/**
 * The wall-clock time (epoch ms) by which an output's waits must end, keeping back a tenth of the remaining time
 * (at most 2 s) for the dead letters and the batch's summary line; undefined when the invocation's time is unknown.
 */
export const waitDeadline = (
  remainingMs: number | undefined,
  now: number = Date.now(),
): number | undefined =>
  remainingMs === undefined ? undefined : now + remainingMs - Math.min(2_000, remainingMs / 10);
