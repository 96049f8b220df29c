/**
 * The `rateLimit` option of every output, validated with the output's options at load time, and the limiter it
 * makes in the output's `create()` (rate-limit.ts). Imported by the output specs (loaded statically), never by
 * the writers.
 */
import * as z from 'zod/mini';
import { type RateLimiter, rateLimiter } from './rate-limit.ts';

const positive = (what: string) =>
  z
    .number({ error: 'expected a number' })
    .check(
      z.gt(0, { error: `${what} must be > 0` }),
      z.lte(1_000_000, { error: `${what} must be ≤ 1000000` }),
    );

/** The `rateLimit` option every output takes; validated with the output's options (unknown keys refused). */
export const rateLimitSchema = z.strictObject({
  /**
   * Sustained rate, per execution environment (Lambda's concurrency multiplies it).
   * @example perSecond: 50
   */
  perSecond: positive('perSecond'),
  /**
   * Units that may go at once after a quiet spell (the bucket's size).
   * @default perSecond (at least 1)
   * @example burst: 200
   */
  burst: z.optional(positive('burst')),
  /**
   * What one unit is: a record, or a request (a Kafka send, an S3 object, a bulk request, a write call, an HTTP
   * request) whatever it carries.
   * @default 'record'
   * @example per: 'request'
   */
  per: z._default(z.enum(['record', 'request'], { error: 'must be one of record, request' }), 'record'),
});

/** A writer's `limiter` dependency for an output's validated `rateLimit` option (spread into its deps). */
export const limiterOf = (limit: z.output<typeof rateLimitSchema> | undefined): { limiter?: RateLimiter } =>
  limit ? { limiter: rateLimiter(limit) } : {};
