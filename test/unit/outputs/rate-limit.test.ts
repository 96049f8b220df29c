import { describe, expect, it } from 'vitest';
import { ConfigError, RetriableError } from '../../../shared/errors.ts';
import { parseOptions } from '../../../shared/outputs/options.ts';
import { rateLimiter, waitDeadline } from '../../../shared/outputs/rate-limit.ts';
import { rateLimitSchema } from '../../../shared/outputs/rate-limit-option.ts';
import { fakeClock } from './records.ts';

const limit = (value: unknown) => parseOptions(rateLimitSchema, value, 'toHttp(x).rateLimit');

describe('a per-output rate limit', () => {
  it('lets a full bucket go at once, then spaces requests at the sustained rate', async () => {
    // Prepare: 10 records a second, a burst of 10, a clock whose sleeps advance time.
    const clock = fakeClock();
    const limiter = rateLimiter(limit({ perSecond: 10, burst: 10 }), clock);

    // Act: 10 records, then 5 more, then 5 more.
    await limiter.acquire(10);
    await limiter.acquire(5);
    await limiter.acquire(5);

    // Assess: the burst went without waiting; each further 5 records waited half a second.
    expect(clock.sleeps).toEqual([500, 500]);
    expect(clock.now()).toBe(1_000);
  });

  it('refills with quiet time, never beyond the burst', async () => {
    const clock = fakeClock();
    const limiter = rateLimiter(limit({ perSecond: 10, burst: 10 }), clock);
    await limiter.acquire(10);

    // Act: a long quiet spell, then twice the burst in two requests.
    await clock.sleep(60_000);
    clock.sleeps.length = 0;
    await limiter.acquire(10);
    await limiter.acquire(10);

    // Assess: the first went at once (refilled to 10, not 600), the second waited a full second.
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('serves concurrent partitions in order of arrival, all from one bucket', async () => {
    // Prepare: one bucket as an execution environment's output holds it, shared by three partitions; the clock
    // stands still while they wait (all three ask at the same instant).
    const sleeps: number[] = [];
    const clock = { now: () => 0, sleep: async (ms: number) => void sleeps.push(ms) };
    const limiter = rateLimiter(limit({ perSecond: 100, burst: 100 }), clock);

    // Act: three partitions ask for 100 records each at the same moment.
    await Promise.all([limiter.acquire(100), limiter.acquire(100), limiter.acquire(100)]);

    // Assess: the second waits one second's worth, the third two: 100 records a second overall.
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it('lets a request larger than the bucket go once its excess has accrued, instead of never', async () => {
    const clock = fakeClock();
    const limiter = rateLimiter(limit({ perSecond: 10 }), clock);

    await limiter.acquire(25);

    // Assess: burst defaults to perSecond (10); the 15 beyond it took 1.5 s.
    expect(clock.sleeps).toEqual([1_500]);
  });

  it('counts requests instead of records when asked to', async () => {
    const clock = fakeClock();
    const limiter = rateLimiter(limit({ perSecond: 2, burst: 1, per: 'request' }), clock);

    await limiter.acquire(500);
    await limiter.acquire(500);

    // Assess: two requests of 500 records, half a second apart at 2 requests a second.
    expect(clock.sleeps).toEqual([500]);
  });

  it('fails retriably at once, without taking anything, when the wait would pass the deadline', async () => {
    // Prepare: an empty bucket at 1 record a second.
    const clock = fakeClock();
    const limiter = rateLimiter(limit({ perSecond: 1, burst: 1 }), clock);
    await limiter.acquire(1);

    // Act + Assess: 5 records need 5 s; the invocation has 3 s left.
    await expect(limiter.acquire(5, clock.now() + 3_000)).rejects.toBeInstanceOf(RetriableError);
    expect(clock.sleeps).toEqual([]);
    // Nothing was reserved: a request that fits still waits only its own share.
    await limiter.acquire(2, clock.now() + 3_000);
    expect(clock.sleeps).toEqual([2_000]);
  });

  it('keeps a tenth of the remaining time, at most 2 s, out of the waits', () => {
    expect(waitDeadline(undefined, 0)).toBeUndefined();
    expect(waitDeadline(10_000, 0)).toBe(9_000);
    expect(waitDeadline(600_000, 0)).toBe(598_000);
  });

  it('refuses a bad option at load time, naming its path', () => {
    expect(() => limit({ perSecond: 0 })).toThrow(
      new ConfigError('toHttp(x).rateLimit.perSecond', 'perSecond must be > 0'),
    );
    expect(() => limit({ perSecond: 1, every: 2 })).toThrow(
      /toHttp\(x\)\.rateLimit: unknown option\(s\) every/,
    );
    expect(() => limit({ perSecond: 1, per: 'byte' })).toThrow(
      /rateLimit\.per: must be one of record, request/,
    );
  });
});
