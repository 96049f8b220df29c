import { describe, expect, it, vi } from 'vitest';
import { ConfigError, RetriableError } from '../../../shared/errors.ts';
import { toOpenSearch, toS3, toTable, toTopic } from '../../../shared/index.ts';
import { createHttpWriter } from '../../../shared/outputs/http-writer.ts';
import { createLakeWriter } from '../../../shared/outputs/lake-writer.ts';
import type { Output } from '../../../shared/outputs/output.ts';
import type { RateLimiter } from '../../../shared/outputs/rate-limit.ts';
import { createSearchWriter } from '../../../shared/outputs/search-writer.ts';
import { createTableWriter } from '../../../shared/outputs/table-writer.ts';
import { createTopicWriter } from '../../../shared/outputs/topic-writer.ts';
import { fakeClock, lakeOptions, offsets } from './records.ts';

/** A fake limiter: records what each request asked for, or refuses (as a wait past the deadline does). */
const recordingLimiter = (refuse = false) => {
  const asked: number[] = [];
  const limiter: RateLimiter = {
    acquire: async (records) => {
      if (refuse) throw new RetriableError('rate limit: past the deadline');
      asked.push(records);
    },
  };
  return { asked, limiter };
};

/** Each existing writer over a faked client that accepts everything, counting the requests it receives. */
const writers = (limiter: RateLimiter) => {
  const requests = { topic: 0, s3: 0, opensearch: 0, table: 0 };
  const outputs: Record<keyof typeof requests, Output> = {
    topic: createTopicWriter({
      name: 'topic:out',
      topic: 'out',
      producer: () => ({
        sendBatch: async () => {
          requests.topic += 1;
        },
      }),
      maxMessageBytes: 1024,
      limiter,
    }),
    s3: createLakeWriter({
      ...lakeOptions,
      bucket: 'lake',
      client: () =>
        ({
          send: async () => {
            requests.s3 += 1;
          },
        }) as never,
      concurrency: 1,
      limiter,
    }),
    opensearch: createSearchWriter({
      name: 'opensearch:reviews',
      index: 'reviews',
      tombstones: 'delete',
      maxBulkBytes: 5 * 1024 * 1024,
      maxBulkActions: 20,
      retry: { baseMs: 100, maxDelayMs: 1000, budgetMs: 10_000 },
      client: () =>
        ({
          bulk: async ({ body }: { body: string }) => {
            requests.opensearch += 1;
            const ids = body
              .trimEnd()
              .split('\n')
              .filter((_, i) => i % 2 === 0);
            return { body: { items: ids.map(() => ({ index: { status: 201 } })) } };
          },
          indices: { exists: async () => ({ body: true }), create: vi.fn() },
        }) as never,
      clock: fakeClock(),
      limiter,
    }),
    table: createTableWriter({
      name: 'table:customers',
      table: 'customers',
      key: { partition: 'customerId' },
      item: (record) => record.value as Record<string, unknown>,
      tombstones: 'delete',
      client: () =>
        ({
          send: async () => {
            requests.table += 1;
            return {};
          },
        }) as never,
      concurrency: 1,
      retry: { baseMs: 50, maxDelayMs: 1000, budgetMs: 10_000 },
      clock: fakeClock(),
      limiter,
    }),
  };
  return { outputs, requests };
};

const customers = offsets(0, 50).map((r) => ({ ...r, value: { customerId: `c${r.source.offset}` } }));

describe('rate limits on the existing outputs', () => {
  it.each(['topic', 's3', 'opensearch', 'table'] as const)(
    'the %s output takes from its limiter before every request, the records it carries',
    async (kind) => {
      // Prepare
      const { asked, limiter } = recordingLimiter();
      const { outputs, requests } = writers(limiter);

      // Act: 50 records (a topic send holds a few of them at 1 KiB a send, a bulk 20, a BatchWrite 25).
      const result = await outputs[kind].write(customers, { flowName: 'f', deadlineMs: 60_000 });

      // Assess: one acquire per request, for all 50 records together.
      expect(result.written).toBe(50);
      expect(asked).toHaveLength(requests[kind]);
      expect(asked.reduce((a, b) => a + b, 0)).toBe(50);
    },
  );

  it.each(['topic', 's3', 'opensearch', 'table'] as const)(
    'the %s output fails the batch retriably, sending nothing, when its limiter cannot wait long enough',
    async (kind) => {
      const { limiter } = recordingLimiter(true);
      const { outputs, requests } = writers(limiter);

      await expect(outputs[kind].write(customers, { flowName: 'f', deadlineMs: 1_000 })).rejects.toSatisfy(
        (error) => error instanceof RetriableError || (error as { retriable?: boolean }).retriable === true,
      );
      expect(requests[kind]).toBe(0);
    },
  );

  it('is an option of every existing output, checked at load time with its path', () => {
    const rateLimit = { perSecond: 100 };
    expect(() => toTopic('out', { rateLimit })).not.toThrow();
    expect(() => toS3({ bucket: 'lake', prefix: 'raw', rateLimit })).not.toThrow();
    expect(() => toOpenSearch({ index: 'reviews', rateLimit })).not.toThrow();
    expect(() => toTable('customers', { key: { partition: 'customerId' }, rateLimit })).not.toThrow();
    expect(() =>
      toTable('customers', { key: { partition: 'customerId' }, rateLimit: { perSecond: -1 } }),
    ).toThrow(ConfigError);
    expect(() => toTopic('out', { rateLimit: { perSecond: 1, burst: 0 } })).toThrow(
      /toTopic\(out\)\.rateLimit\.burst: burst must be > 0/,
    );
  });
});

describe('a rate limit on the HTTP output', () => {
  /** A fake endpoint (no server here): fetch answering 200 to every request, counting them. */
  const fakeFetch = () => {
    const bodies: string[] = [];
    const fetch = async (_url: unknown, init?: RequestInit) => {
      bodies.push(String(init?.body));
      return new Response(null, { status: 200 });
    };
    return { bodies, fetch: fetch as typeof globalThis.fetch };
  };
  const httpWriter = (limiter: RateLimiter, fetch: typeof globalThis.fetch) =>
    createHttpWriter({
      name: 'http:crm',
      url: new URL('https://crm.example.com/v1/reviews'),
      method: 'POST',
      headers: {},
      batch: { maxRecords: 20, maxBytes: 1 << 20 },
      timeoutMs: 1_000,
      concurrency: 2,
      ordered: true,
      retry: { baseMs: 10, maxDelayMs: 100, budgetMs: 1_000 },
      limiter,
      fetch,
    });

  it('takes from its limiter before every request, the records it carries', async () => {
    const { asked, limiter } = recordingLimiter();
    const { bodies, fetch } = fakeFetch();

    const result = await httpWriter(limiter, fetch).write(customers, { flowName: 'f', deadlineMs: 60_000 });

    expect(result.written).toBe(50);
    expect(asked).toEqual([20, 20, 10]);
    expect(bodies).toHaveLength(3);
  });

  it('fails the batch retriably, sending nothing, when its limiter cannot wait long enough', async () => {
    const { limiter } = recordingLimiter(true);
    const { bodies, fetch } = fakeFetch();

    await expect(
      httpWriter(limiter, fetch).write(customers, { flowName: 'f', deadlineMs: 1_000 }),
    ).rejects.toThrow(RetriableError);
    expect(bodies).toHaveLength(0);
  });
});
